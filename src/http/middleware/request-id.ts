import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { nodeResponse } from '../node-env.ts';

/**
 * A client's X-Request-Id is kept only in a safe shape: 8 to 64 characters of letters, digits and
 * - _ . : starting with a letter or digit (a UUID, a ULID, a trace id). Anything else — long,
 * with spaces, quotes, control or non-ASCII characters — is replaced by a fresh UUID, since the id
 * goes into the access log and into the hash-chained metadata of the events it causes.
 */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$/;

export function safeRequestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given !== undefined && SAFE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    const node = nodeResponse(c);
    if (node) node.setHeader('X-Request-Id', id);
    else c.header('X-Request-Id', id);
    await next();
  };
}
