import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../context.ts';
import { nodeResponse } from '../node-env.ts';

type Header = readonly [name: string, value: string];

/** Every response: no framing, no sniffing, no referrer, HTTPS only, not cached unless the route says otherwise. */
const COMMON: readonly Header[] = [
  ['Cache-Control', 'no-store'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'DENY'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

/** The common headers and a Content-Security-Policy made of these directives. */
function withPolicy(directives: Record<string, readonly string[]>): readonly Header[] {
  const policy = Object.entries(directives).map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
  return [...COMMON, ['Content-Security-Policy', policy]];
}

const LOCKED = { 'frame-ancestors': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"] };
/** The API answers with a CSP that allows nothing. */
const API = withPolicy({ 'default-src': ["'none'"], 'style-src': ["'unsafe-inline'"], ...LOCKED });
/** The API reference (/docs) may run scripts, load styles, images and fonts and fetch /openapi.json from this origin only (its renderer is served from here: no CDN). */
const DOCS = withPolicy({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  ...LOCKED,
});
/** The console (src/console): its own scripts and styles only, forms posting to this origin, live updates over SSE. */
const CONSOLE = withPolicy({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
});

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Security headers on every response; a header the route sets itself (only Cache-Control, for
 * static assets) is kept. Served over a socket they go straight onto the node response (see
 * nodeResponse), in-process onto the Response.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = c.req.path;
    const headers = under(path, '/docs') ? DOCS : under(path, '/console') ? CONSOLE : API;
    const node = nodeResponse(c);
    if (node) {
      for (const [name, value] of headers) node.setHeader(name, value);
      return next();
    }
    await next();
    for (const [name, value] of headers) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
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
