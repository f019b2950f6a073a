import { isApiKeyToken } from './api-keys.ts';
import { type JwtVerifier, looksLikeJwt } from './jwt.ts';
import type { KeyStore } from './key-store.ts';
import type { Principal } from './roles.ts';

/** Turns a bearer token into a principal: API keys (and the bootstrap token) first, then JWTs. */
export interface Authenticator {
  verify(token: string): Promise<Principal | null>;
}

export function createAuthenticator(keys: KeyStore, jwt: JwtVerifier | null): Authenticator {
  return {
    async verify(token) {
      if (token.length > 8192) return null;
      if (jwt && !isApiKeyToken(token) && looksLikeJwt(token)) return jwt(token);
      return keys.verify(token);
    },
  };
}
