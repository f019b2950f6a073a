import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '../../auth/authenticator.ts';
import { FailedAuthThrottle } from '../../auth/failed-auth-throttle.ts';
import type { AppEnv } from '../context.ts';
import { remoteAddress } from '../node-env.ts';
import { ApiProblem } from '../problem.ts';

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

/**
 * Every request under it must carry a valid bearer token; 401 otherwise, with no detail on why.
 * A client address that keeps failing is answered 429 for a while, before its tokens are checked.
 */
export function authenticate(auth: Authenticator, onFailure: (reason: 'missing' | 'invalid' | 'throttled') => void = () => {}, throttle = new FailedAuthThrottle()): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // In-process requests (tests) have no socket and are not throttled.
    const address = remoteAddress(c);
    const waitMs = address ? throttle.retryAfterMs(address) : 0;
    if (waitMs > 0) {
      onFailure('throttled');
      throw new ApiProblem('rate_limited', 'too many failed authentications from this address; retry later', [], { 'Retry-After': String(Math.ceil(waitMs / 1000)) });
    }
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    const principal = token ? await auth.verify(token) : null;
    if (!principal) {
      if (address) throttle.recordFailure(address);
      onFailure(token ? 'invalid' : 'missing');
      if (!token) throw new ApiProblem('unauthorized', 'send Authorization: Bearer <token>', [], { 'WWW-Authenticate': 'Bearer' });
      throw new ApiProblem('unauthorized', 'the token is not valid', [], { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    }
    c.set('principal', principal);
    await next();
  };
}
