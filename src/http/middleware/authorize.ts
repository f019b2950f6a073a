import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { isAllowed, pathParams, policyFor } from '../authorization.ts';
import type { AppEnv } from '../context.ts';
import { ApiProblem } from '../problem.ts';

/** The route that will answer the request (the last match that is not a middleware), if any. */
export function handlerRoute(c: Context): { method: string; path: string } | null {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!;
    if (r.method !== 'ALL') return { method: r.method, path: r.path };
  }
  return null;
}

const FORBIDDEN = 'this credential may not perform this request';

/**
 * Enforces src/http/authorization.ts: role, then account scope. Every refusal is the same 403,
 * decided without reading the database, so it says nothing about whether an account exists.
 */
export function authorize(onDenied: (reason: 'undeclared' | 'role' | 'scope') => void = () => {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const route = handlerRoute(c);
    if (!route) return next(); // no such route: the not-found handler answers
    const principal = c.get('principal');
    const policy = policyFor(c.req.method, route.path);
    if (!policy) {
      onDenied('undeclared');
      throw new ApiProblem('forbidden', FORBIDDEN);
    }
    if (!isAllowed(policy, principal.role)) {
      onDenied('role');
      throw new ApiProblem('forbidden', FORBIDDEN);
    }
    if (principal.accounts) {
      const scope = policy.scope;
      if (scope.kind !== 'accounts') {
        onDenied('scope');
        throw new ApiProblem('forbidden', FORBIDDEN);
      }
      const ids: string[] = [];
      if (scope.params?.length) {
        const params = pathParams(route.path, c.req.path) ?? {};
        for (const name of scope.params) ids.push(params[name] ?? '');
      }
      if (scope.body?.length) {
        // Unreadable bodies are left to the validator (400); it refuses non-string ids too.
        const body: unknown = await c.req.json().catch(() => null);
        if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
          for (const field of scope.body) {
            const value = Object.hasOwn(body, field) ? (body as Record<string, unknown>)[field] : undefined;
            if (typeof value === 'string') ids.push(value);
          }
        }
      }
      if (!ids.every((id) => principal.accounts!.has(id))) {
        onDenied('scope');
        throw new ApiProblem('forbidden', FORBIDDEN);
      }
    }
    await next();
  };
}
