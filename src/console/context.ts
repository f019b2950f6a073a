import type { Context, Hono } from 'hono';
import type { Authenticator } from '../auth/authenticator.ts';
import type { EventLog } from '../log/event-log.ts';
import type { ApiFetch, ConsoleApi } from './api.ts';
import type { PageContext } from './layout.tsx';
import type { Session, SessionOptions } from './session.ts';

export type ConsoleEnv = {
  Variables: {
    /** The signed-in user's session (every route but sign-in requires one). */
    session: Session;
    /** The API as that user. */
    api: ConsoleApi;
  };
};

export type ConsoleApp = Hono<ConsoleEnv>;
export type ConsoleContext = Context<ConsoleEnv>;

export interface ConsoleDeps {
  /** The API app's fetch: every console action is an API call with the session's credential. */
  api: ApiFetch;
  authenticator: Authenticator;
  /** Only for the log's partitions and head positions (shown to roles that may read the log). */
  log: Pick<EventLog, 'partitions' | 'last'>;
  sessions?: SessionOptions;
  /** Failed sign-ins per client address (as the API's failed authentications). */
  failedAuth?: { maxFailures: number; windowMs: number };
}

export function pageContext(c: ConsoleContext): PageContext & { session: Session } {
  return { session: c.get('session'), path: c.req.path };
}

/** A form field as a string ('' when absent or a file). */
export function field(form: Record<string, unknown>, name: string): string {
  const v = form[name];
  return typeof v === 'string' ? v.trim() : '';
}
