import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { ApiProblem } from '../problem.ts';

const JSON_TYPE = /^application\/(.+\+)?json(\s*;.*)?$/i;

/** A body declared as anything but JSON is refused before anything reads it. */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
      const type = c.req.header('content-type');
      if (type !== undefined && type !== '' && !JSON_TYPE.test(type)) {
        throw new ApiProblem('unsupported_media_type', 'send the body as application/json');
      }
    }
    await next();
  };
}
