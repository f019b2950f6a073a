/**
 * Who may do what. teller: account and money commands; auditor: read accounts, the audit log and
 * reports; analyst: read accounts, fraud endpoints and alert status changes; admin: everything,
 * plus key management. Which route needs which role is declared in src/http/authorization.ts.
 */
export const ROLES = ['teller', 'auditor', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The authenticated caller of a request. */
export interface Principal {
  /** Recorded as the events' actor: `key:<id>` for an API key, `jwt:<sub>` for a JWT. */
  actor: string;
  /** The API key id, or null for a JWT. */
  keyId: string | null;
  role: Role;
  /** Accounts the caller may touch; null = all. */
  accounts: ReadonlySet<string> | null;
  /** When the credential stops being valid (a JWT's exp, epoch ms); absent for API keys. Open streams end then. */
  expiresAt?: number;
}
