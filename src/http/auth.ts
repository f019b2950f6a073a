import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';
import { ApiProblem } from './problem.ts';

/**
 * Bearer-token authentication. With LEDGER_BOOTSTRAP_TOKEN set, it is the admin token and every
 * /v1 request must carry it; without it the API is open (development) and the actor is "anonymous".
 */
export function authenticate(bootstrapToken: string | null): MiddlewareHandler<AppEnv> {
  const expected = bootstrapToken ? Buffer.from(bootstrapToken) : null;
  return async (c, next) => {
    const header = c.req.header('authorization');
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (expected) {
      if (!token) throw new ApiProblem('unauthorized', 'send Authorization: Bearer <token>', [], { 'WWW-Authenticate': 'Bearer' });
      const given = Buffer.from(token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new ApiProblem('unauthorized', 'the token is not valid', [], { 'WWW-Authenticate': 'Bearer' });
      }
      c.set('actor', { id: 'bootstrap-admin', role: 'admin' });
    } else {
      c.set('actor', { id: 'anonymous', role: 'anonymous' });
    }
    await next();
  };
}
