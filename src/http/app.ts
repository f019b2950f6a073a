import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { DomainError } from '../domain/errors.ts';
import { LogUnavailableError } from '../log/event-log.ts';
import { authenticate } from './auth.ts';
import type { ApiDeps, App, AppEnv } from './context.ts';
import { ApiProblem, type FieldError, type ProblemCode, problemBody } from './problem.ts';
import { accountRoutes } from './routes/accounts.ts';
import { auditRoutes } from './routes/audit.ts';
import { eventRoutes } from './routes/events.ts';
import { reportRoutes } from './routes/reports.ts';
import { systemRoutes } from './routes/system.ts';
import { transferRoutes } from './routes/transfers.ts';

export interface Logger {
  error(obj: object, msg?: string): void;
}

/** Builds the whole HTTP API. Tests call app.request(...) on it without a socket. */
export function createApp(deps: ApiDeps, logger: Logger = { error: (o, m) => console.error(m, o) }): App {
  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors: FieldError[] = result.error.issues.flatMap((i) => {
          const at = i.path.map(String);
          if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: [...at, k].join('.'), message: 'unknown field' }));
          return [{ field: at.length ? at.join('.') : 'body', message: i.message }];
        });
        throw new ApiProblem('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
      }
    },
  });

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', c.res.headers.get('Cache-Control') ?? 'no-store');
  });
  app.use('/v1/*', requireJsonBody);
  app.use('/v1/*', authenticate(deps.config.bootstrapToken));

  accountRoutes(app, deps);
  transferRoutes(app, deps);
  eventRoutes(app, deps);
  systemRoutes(app, deps);
  auditRoutes(app, deps);
  reportRoutes(app, deps);

  app.notFound((c) => problem(c.req.path, 'not_found', `no route for ${c.req.method} ${c.req.path}`, []));
  app.onError((err, c) => {
    const instance = c.req.path;
    if (err instanceof ApiProblem) return problem(instance, err.code, err.message, err.errors, err.headers);
    if (err instanceof DomainError) return problem(instance, err.code, err.message, err.field ? [{ field: err.field, message: err.message }] : []);
    if (err instanceof LogUnavailableError) return problem(instance, 'log_unavailable', 'the event log could not be reached; the command was not applied', [], { 'Retry-After': '1' });
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own validator: malformed JSON and the like.
      const code: ProblemCode = err.status === 413 ? 'payload_too_large' : err.status === 401 ? 'unauthorized' : 'validation_failed';
      return problem(instance, code, err.message || 'the request could not be read', code === 'validation_failed' ? [{ field: 'body', message: err.message }] : []);
    }
    logger.error({ err: { message: (err as Error).message, stack: (err as Error).stack }, requestId: c.get('requestId'), path: instance }, 'unhandled error');
    return problem(instance, 'internal_error', 'an internal error occurred; it has been logged', []);
  });
  return app;
}

export function problem(instance: string, code: ProblemCode, detail: string, errors: FieldError[], headers: Record<string, string> = {}): Response {
  const body = problemBody(code, detail, errors, instance);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}

/** A body that is not JSON is refused before it reaches a validator. */
const requireJsonBody: Parameters<App['use']>[1] = async (c, next) => {
  if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
    const length = c.req.header('content-length');
    const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    const type = c.req.header('content-type') ?? '';
    if (hasBody && !/^application\/(.+\+)?json(\s*;.*)?$/i.test(type)) {
      throw new ApiProblem('unsupported_media_type', 'send the body as application/json');
    }
  }
  await next();
};
