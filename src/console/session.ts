import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../auth/roles.ts';

/** A signed-in console user: the credential stays on the server, the browser holds only the random id. */
export interface Session {
  id: string;
  /** The API key (or JWT) the user signed in with; every console action is an API call made with it. */
  token: string;
  principal: Principal;
  /** Sent back in every form that changes state (the double check besides SameSite=Strict). */
  csrf: string;
  createdAt: number;
  /** The session ends at the first of: idle too long, too old, or the credential's own expiry. */
  expiresAt: number;
}

export interface SessionOptions {
  idleMs: number;
  maxAgeMs: number;
  /** At most this many sessions; the oldest goes first. */
  maxSessions: number;
}

export const DEFAULT_SESSIONS: SessionOptions = { idleMs: 30 * 60_000, maxAgeMs: 8 * 60 * 60_000, maxSessions: 10_000 };

const randomId = (): string => randomBytes(32).toString('base64url');

/** Server-side sessions in memory, keyed by a 256-bit random id. A restart signs everyone out. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly options: SessionOptions = DEFAULT_SESSIONS,
    private readonly now: () => number = Date.now,
  ) {}

  create(token: string, principal: Principal): Session {
    const at = this.now();
    while (this.sessions.size >= this.options.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session: Session = { id: randomId(), token, principal, csrf: randomId(), createdAt: at, expiresAt: this.expiry(at, at, principal) };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of this id, its idle expiry pushed back; null when unknown or expired. */
  get(id: string | undefined): Session | null {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    const at = this.now();
    if (at >= session.expiresAt) {
      this.sessions.delete(id);
      return null;
    }
    session.expiresAt = this.expiry(session.createdAt, at, session.principal);
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private expiry(createdAt: number, at: number, principal: Principal): number {
    return Math.min(at + this.options.idleMs, createdAt + this.options.maxAgeMs, principal.expiresAt ?? Infinity);
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
