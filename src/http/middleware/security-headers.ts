import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../context.ts';

const LOCKED = { frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };

/**
 * Security headers on every response. The API answers with a CSP that allows nothing; the API
 * reference (/docs) may run scripts, load styles, images and fonts and fetch /openapi.json from
 * this origin only (its renderer is served from here: no CDN).
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const api = secureHeadersWith({ defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], ...LOCKED });
  const docs = secureHeadersWith({
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    workerSrc: ["'self'", 'blob:'],
    ...LOCKED,
  });
  // The console (src/console): its own scripts and styles only, forms posting to this origin, live updates over SSE.
  const consolePages = secureHeadersWith({
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
  });
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return (c, next) => (under(c.req.path, '/docs') ? docs(c, next) : under(c.req.path, '/console') ? consolePages(c, next) : api(c, next));
}

function secureHeadersWith(contentSecurityPolicy: NonNullable<Parameters<typeof secureHeaders>[0]>['contentSecurityPolicy']): MiddlewareHandler<AppEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy,
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
