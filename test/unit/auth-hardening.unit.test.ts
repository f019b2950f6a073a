import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { FailedAuthThrottle } from '../../src/auth/failed-auth-throttle.ts';
import { type JwtConfig, createJwtVerifier, jwtWarnings } from '../../src/auth/jwt.ts';
import { idempotencyNamespace } from '../../src/http/commands.ts';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const config: JwtConfig = { issuer: 'https://idp.example', audience: 'ledger', jwksUrl: null, secret: SECRET, publicKeyPem: null, roleClaim: 'role', accountsClaim: 'accounts' };
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

function token(claims: { exp?: number | null; iat?: number; nbf?: number; iss?: string; aud?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ role: 'teller' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(claims.iss ?? 'https://idp.example').setAudience(claims.aud ?? 'ledger').setIssuedAt(claims.iat ?? now());
  if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? now() + 300);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(key);
}

describe('JWT verification', () => {
  const verify = createJwtVerifier(config)!;

  it('accepts a token with exp, the configured issuer and audience', async () => {
    expect(await verify(await token())).toMatchObject({ actor: 'jwt:alice', role: 'teller' });
  });

  it('requires exp', async () => {
    expect(await verify(await token({ exp: null }))).toBeNull();
  });

  it('refuses iat or nbf in the future beyond the clock skew, accepts small drift', async () => {
    expect(await verify(await token({ iat: now() + 600 }))).toBeNull();
    expect(await verify(await token({ nbf: now() + 600 }))).toBeNull();
    expect(await verify(await token({ iat: now() + 5, nbf: now() + 5 }))).not.toBeNull();
  });

  it('checks issuer and audience whenever configured', async () => {
    expect(await verify(await token({ iss: 'https://evil.example' }))).toBeNull();
    expect(await verify(await token({ aud: 'other-service' }))).toBeNull();
  });

  it('warns at start when issuer or audience are not configured', () => {
    expect(jwtWarnings(config)).toEqual([]);
    expect(jwtWarnings({ ...config, issuer: null, audience: null })).toHaveLength(2);
    expect(jwtWarnings({ ...config, secret: null })).toEqual([]);
  });
});

describe('idempotency namespaces', () => {
  it('tells a JWT subject with a colon apart from a key that starts with one', () => {
    const a = `${idempotencyNamespace('jwt:alice:x')}:k1`;
    const b = `${idempotencyNamespace('jwt:alice')}:x:k1`;
    expect(a).not.toBe(b);
    expect(idempotencyNamespace('key:0123abcd')).toBe('key:0123abcd');
  });
});

describe('failed authentication throttle', () => {
  it('answers an address that keeps failing with a wait until its window ends; other addresses are unaffected', () => {
    let t = 1_000;
    const throttle = new FailedAuthThrottle({ maxFailures: 3, windowMs: 10_000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs('10.0.0.1')).toBe(0);
      throttle.recordFailure('10.0.0.1');
    }
    t += 4_000;
    expect(throttle.retryAfterMs('10.0.0.1')).toBe(6_000);
    expect(throttle.retryAfterMs('10.0.0.2')).toBe(0);
    t += 6_000;
    expect(throttle.retryAfterMs('10.0.0.1')).toBe(0);
  });

  it('tracks a bounded number of addresses', () => {
    const throttle = new FailedAuthThrottle({ maxFailures: 1, maxAddresses: 2 });
    for (const a of ['a', 'b', 'c']) throttle.recordFailure(a);
    expect(throttle.retryAfterMs('a')).toBe(0);
    expect(throttle.retryAfterMs('c')).toBeGreaterThan(0);
  });
});
