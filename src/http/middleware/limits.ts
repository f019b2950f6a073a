import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.ts';
import { ApiProblem } from '../problem.ts';

/**
 * Refuses bodies over maxBytes (413), by Content-Length up front or while reading a chunked body.
 * A request that declares its length (every ordinary one) is decided from the header alone: asking
 * the request for its body stream would make @hono/node-server build a whole web Request and a
 * web stream around the socket for it, per request. Only a chunked or undeclared body is read
 * through Hono's limit.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () => {
    // The rest of the body is not read: say so, so a client does not reuse this connection.
    throw new ApiProblem('payload_too_large', `the request body is larger than ${maxBytes} bytes`, [], { Connection: 'close' });
  };
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next(); // no body is read for these
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    return parseInt(length, 10) > maxBytes ? tooLarge() : next();
  };
}

/**
 * Answers 503 request_timeout when a handler takes longer than ms (the work may still finish:
 * a command that was appended stays appended, and an Idempotency-Key retry returns its result).
 * Streams (SSE) are exempt: they end when the client goes away.
 */
export function requestTimeout(ms: number, exempt: (path: string) => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (exempt(c.req.path)) return next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ApiProblem('request_timeout', `the request took longer than ${ms} ms`, [], { 'Retry-After': '1' })), ms);
    });
    try {
      await Promise.race([next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
