import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../context.ts';

/** Security headers on every response; the API reference page gets a CSP without scripts. */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    crossOriginResourcePolicy: 'same-origin',
    referrerPolicy: 'no-referrer',
    strictTransportSecurity: 'max-age=31536000; includeSubDomains',
    xFrameOptions: 'DENY',
  });
  return async (c, next) => {
    await headers(c, async () => {
      await next();
      c.header('Cache-Control', c.res.headers.get('Cache-Control') ?? 'no-store');
    });
  };
}

/** CORS only for configured origins; with none (the default) no CORS header is ever sent. */
export function corsFor(origins: readonly string[]): MiddlewareHandler<AppEnv> | null {
  if (origins.length === 0) return null;
  return cors({
    origin: [...origins],
    allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'X-Correlation-Id', 'Last-Event-ID'],
    exposeHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'Location'],
    maxAge: 600,
  });
}
