import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '../../auth/authenticator.ts';
import type { AppEnv } from '../context.ts';
import { ApiProblem } from '../problem.ts';

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

/** Every request under it must carry a valid bearer token; 401 otherwise, with no detail on why. */
export function authenticate(auth: Authenticator, onFailure: (reason: 'missing' | 'invalid') => void = () => {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) {
      onFailure('missing');
      throw new ApiProblem('unauthorized', 'send Authorization: Bearer <token>', [], { 'WWW-Authenticate': 'Bearer' });
    }
    const principal = await auth.verify(token);
    if (!principal) {
      onFailure('invalid');
      throw new ApiProblem('unauthorized', 'the token is not valid', [], { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    }
    c.set('principal', principal);
    await next();
  };
}
