import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Key ids: lower-case letters and digits, so `lk_<id>_<secret>` splits unambiguously at the second `_`. */
export const KEY_ID_PATTERN = /^[a-z0-9]{1,32}$/;
const TOKEN_PATTERN = /^lk_([a-z0-9]{1,32})_([A-Za-z0-9_-]{16,128})$/;

/** The id under which a token that is not in `lk_` form (an operator-chosen bootstrap token) is stored. */
export const BOOTSTRAP_KEY_ID = 'bootstrap';

export function newKeyId(): string {
  return randomBytes(8).toString('hex');
}

/** A new token: 256 random bits of secret behind the id. Shown once, stored only as its hash. */
export function newToken(id: string): string {
  return `lk_${id}_${randomBytes(32).toString('base64url')}`;
}

/** The key id a token claims to be, without trusting it: the hash comparison decides. */
export function keyIdOf(token: string): string {
  return TOKEN_PATTERN.exec(token)?.[1] ?? BOOTSTRAP_KEY_ID;
}

export function isApiKeyToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of a token against a stored SHA-256 (hex as stored, or its bytes). */
export function tokenMatches(token: string, storedHash: string | Buffer): boolean {
  const given = createHash('sha256').update(token).digest();
  const stored = typeof storedHash === 'string' ? Buffer.from(storedHash, 'hex') : storedHash;
  return stored.length === given.length && timingSafeEqual(given, stored);
}

/** What may be shown of a token: its id and last four characters. */
export function displayPrefix(id: string, last4: string): string {
  return `lk_${id}_…${last4}`;
}
