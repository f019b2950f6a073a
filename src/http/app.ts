import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { DomainError } from '../domain/errors.ts';
import { AppError } from '../errors.ts';
import { LogUnavailableError } from '../log/event-log.ts';
import type { Logger } from '../app/logger.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { KeyStore } from '../auth/key-store.ts';
import type { CommandBus } from '../commands/command-bus.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ReadModels } from '../read-models/registry.ts';
import type { ReportContext } from '../reports/report.ts';
import type { App, AppEnv, SecurityConfig } from './context.ts';
import { FailedAuthThrottle } from '../auth/failed-auth-throttle.ts';
import { accessLog } from './middleware/access-log.ts';
import { authenticate } from './middleware/authenticate.ts';
import { authorize } from './middleware/authorize.ts';
import { requireJsonBody } from './middleware/json-body.ts';
import { safeRequestId } from './middleware/request-id.ts';
import { limitBody, requestTimeout } from './middleware/limits.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { corsFor, securityHeaders } from './middleware/security-headers.ts';
import { ApiProblem, type FieldError, type ProblemCode, problemBody } from './problem.ts';
import { accountRoutes } from './routes/accounts.ts';
import { auditRoutes } from './routes/audit.ts';
import { batchRoutes } from './routes/batches.ts';
import { eventRoutes } from './routes/events.ts';
import { holdRoutes } from './routes/holds.ts';
import { keyRoutes } from './routes/keys.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { ownerRoutes } from './routes/owners.ts';
import { fraudRoutes } from './routes/fraud.ts';
import { reportRoutes } from './routes/reports.ts';
import { systemRoutes } from './routes/system.ts';
import { transferRoutes } from './routes/transfers.ts';
import { createConsole } from '../console/app.tsx';
import { nestedEnv } from './node-env.ts';

export interface CreateAppOptions {
  /**
   * 'off' skips authentication, authorization and rate limiting and runs every request as admin.
   * For bench/auth-overhead.ts only: no configuration reaches it.
   */
  security?: 'on' | 'off';
}

/** What the HTTP API is built from, handed in by the composition root; each route group gets only its part. */
export interface AppDeps {
  commands: CommandBus;
  readModels: ReadModels;
  /** Report generators' context (read models, the log for chain verification, the alerts store). */
  reports: ReportContext;
  log: EventLog;
  keys: KeyStore;
  authenticator: Authenticator;
  metrics: Metrics | null;
  logger: Logger;
  ready(): Promise<boolean>;
  config: {
    /** How long a read with ?minPosition= waits for its read model before answering 409. */
    minPositionWaitMs: number;
    security: SecurityConfig;
  };
}

/** Builds the whole HTTP API. Tests call app.request(...) on it without a socket. */
/** 8,190 transfers with references and metadata fit; the engine bounds the item count itself. */
export const BATCH_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export function createApp(deps: AppDeps, options: CreateAppOptions = {}): App {
  const { logger, metrics } = deps;
  const security = deps.config.security;
  const app: App = new OpenAPIHono<AppEnv>({ defaultHook: validationProblem });

  // Every request: id, access log + metrics, security headers, CORS (only when configured).
  app.use('*', safeRequestId());
  app.use('*', accessLog(logger, metrics));
  app.use('*', securityHeaders());
  const cors = corsFor(security.corsOrigins);
  if (cors) app.use('*', cors);

  // The API: size and time limits, then who is calling, how often, and may they.
  // A batch of up to 8,190 items (~1 MB of JSON) gets its own, larger limit (BATCH_BODY_LIMIT_BYTES).
  const general = limitBody(security.bodyLimitBytes);
  app.use('/v1/*', (c, next) => (c.req.path === '/v1/batches' ? next() : general(c, next)));
  app.use('/v1/batches', limitBody(Math.max(security.bodyLimitBytes, BATCH_BODY_LIMIT_BYTES)));
  app.use('/v1/*', requestTimeout(security.requestTimeoutMs, (path) => path === '/v1/events/stream'));
  if (options.security === 'off') {
    app.use('/v1/*', async (c, next) => {
      c.set('principal', { actor: 'key:benchmark', keyId: 'benchmark', role: 'admin', accounts: null });
      await next();
    });
  } else {
    app.use('/v1/*', authenticate(deps.authenticator, (reason) => metrics?.authFailures.inc({ reason }), new FailedAuthThrottle(security.failedAuth ?? {})));
    app.use('/v1/*', rateLimit({ ...security.rateLimit, onLimited: () => metrics?.rateLimited.inc() }));
  }
  app.use('/v1/*', requireJsonBody());
  if (options.security !== 'off') app.use('/v1/*', authorize((reason) => metrics?.authzDenied.inc({ reason })));

  routes(app, deps);
  // The web console (src/console): its pages call this app with the signed-in user's credential.
  app.route('/console', createConsole({ api: (request, env) => app.fetch(request, nestedEnv(env)), authenticator: deps.authenticator, log: deps.log, ...(security.failedAuth ? { failedAuth: security.failedAuth } : {}) }));

  app.notFound((c) => problem(c.req.path, 'not_found', `no route for ${c.req.method} ${c.req.path}`, []));
  app.onError((err, c) => {
    const instance = c.req.path;
    if (err instanceof ApiProblem) return problem(instance, err.code, err.message, err.errors, err.headers);
    if (err instanceof DomainError) return problem(instance, err.code, err.message, err.field ? [{ field: err.field, message: err.message }] : []);
    if (err instanceof LogUnavailableError) return problem(instance, 'log_unavailable', 'the event log could not be reached or did not answer in time; the command may or may not have been applied: retry with the same Idempotency-Key', [], { 'Retry-After': '1' });
    if (err instanceof AppError && err.code !== 'usage') return problem(instance, err.code, err.message, err.field ? [{ field: err.field, message: err.message }] : []);
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

/** Each route group with exactly what it uses. */
function routes(app: App, deps: AppDeps): void {
  const { commands, readModels, log } = deps;
  const waitMs = deps.config.minPositionWaitMs;
  accountRoutes(app, { commands, ledger: readModels.ledger, waitMs, ...(deps.config.security.overdraft ? { overdraft: deps.config.security.overdraft } : {}) });
  transferRoutes(app, { commands });
  holdRoutes(app, { commands, ledger: readModels.ledger, waitMs });
  batchRoutes(app, { commands });
  ownerRoutes(app, { ledger: readModels.ledger, alerts: readModels.anomaly.queries });
  eventRoutes(app, { log, authenticator: deps.authenticator, ...(deps.config.security.streams ? { streams: deps.config.security.streams } : {}) });
  keyRoutes(app, { keys: deps.keys, logger: deps.logger });
  fraudRoutes(app, { fraud: { ...readModels.anomaly, commands }, waitMs });
  systemRoutes(app, { ready: deps.ready });
  const security = deps.config.security;
  metricsRoutes(app, { metrics: deps.metrics, access: { token: security.metricsToken, public: security.metricsPublic ?? false, authenticator: deps.authenticator } });
  auditRoutes(app, { audit: readModels.audit, ledger: readModels.ledger, log, waitMs });
  reportRoutes(app, deps.reports);
}

export function problem(instance: string, code: ProblemCode, detail: string, errors: FieldError[], headers: Record<string, string> = {}): Response {
  const body = problemBody(code, detail, errors, instance);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}

/** zod failures become one validation_failed problem listing every field. */
function validationProblem(result: { success: true } | { success: false; error: { issues: ReadonlyArray<{ code: string; path: ReadonlyArray<PropertyKey>; message: string; keys?: readonly string[] }> } }): void {
  if (result.success) return;
  const errors: FieldError[] = result.error.issues.flatMap((i) => {
    const at = i.path.map(String);
    if (i.code === 'unrecognized_keys' && i.keys) return i.keys.map((k) => ({ field: [...at, k].join('.'), message: 'unknown field' }));
    return [{ field: at.length ? at.join('.') : 'body', message: i.message }];
  });
  throw new ApiProblem('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
