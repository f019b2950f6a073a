import { type KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import { type JWTVerifyGetKey, createRemoteJWKSet, jwtVerify } from 'jose';
import { type Principal, isRole } from './roles.ts';

export interface JwtConfig {
  issuer: string | null;
  audience: string | null;
  jwksUrl: string | null;
  secret: string | null;
  publicKeyPem: string | null;
  roleClaim: string;
  accountsClaim: string;
}

export type JwtVerifier = (token: string) => Promise<Principal | null>;

/** How far a token's iat/nbf may lie in the future (clocks drift), and how far past exp it still counts. */
export const JWT_CLOCK_SKEW_S = 30;

/** What an operator should hear at start about a JWT setup that verifies less than it could. */
export function jwtWarnings(config: JwtConfig): string[] {
  if (!config.jwksUrl && !config.secret && !config.publicKeyPem) return [];
  const warnings: string[] = [];
  if (!config.issuer) warnings.push('LEDGER_JWT_ISSUER is not set: tokens of any issuer that the key verifies are accepted');
  if (!config.audience) warnings.push('LEDGER_JWT_AUDIENCE is not set: tokens meant for other services are accepted');
  return warnings;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function looksLikeJwt(token: string): boolean {
  return token.length <= 8192 && JWT_SHAPE.test(token);
}

/**
 * Verifies JWTs of an existing identity provider: signature (JWKS, HS256 secret or PEM public key),
 * issuer, audience, expiry. The role comes from a claim; an optional string-array claim scopes the
 * caller to accounts. Null when JWTs are not configured.
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier | null {
  let key: KeyObject | JWTVerifyGetKey | null = null;
  let algorithms: string[] | undefined;
  if (config.jwksUrl) {
    key = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  } else if (config.secret) {
    key = createSecretKey(Buffer.from(config.secret));
    algorithms = ['HS256', 'HS384', 'HS512'];
  } else if (config.publicKeyPem) {
    const pem = config.publicKeyPem.replace(/\\n/g, '\n');
    key = createPublicKey(pem);
    algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
  }
  if (!key) return null;
  const resolved = key;
  return async (token) => {
    try {
      // exp is required; iss and aud are checked whenever configured; nbf and iat may not lie in the future.
      const options = { issuer: config.issuer ?? undefined, audience: config.audience ?? undefined, algorithms, requiredClaims: ['exp'], clockTolerance: JWT_CLOCK_SKEW_S };
      const { payload } = typeof resolved === 'function' ? await jwtVerify(token, resolved, options) : await jwtVerify(token, resolved, options);
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + JWT_CLOCK_SKEW_S) return null;
      const role = payload[config.roleClaim];
      if (!isRole(role) || typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 128) return null;
      const scope = payload[config.accountsClaim];
      let accounts: Set<string> | null = null;
      if (scope !== undefined) {
        if (!Array.isArray(scope) || !scope.every((a) => typeof a === 'string')) return null;
        accounts = new Set(scope as string[]);
      }
      return { actor: `jwt:${payload.sub}`, keyId: null, role, accounts, ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}) };
    } catch {
      return null;
    }
  };
}
