import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.ts';
import { ApiProblem } from '../problem.ts';

/** Refuses bodies over maxBytes (413), by Content-Length up front or while reading a chunked body. */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      // The rest of the body is not read: say so, so a client does not reuse this connection.
      throw new ApiProblem('payload_too_large', `the request body is larger than ${maxBytes} bytes`, [], { Connection: 'close' });
    },
  });
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
