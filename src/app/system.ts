import { AlertReactor } from '../read-models/anomaly/alert-reactor.ts';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { createAuthenticator } from '../auth/authenticator.ts';
import { createJwtVerifier, jwtWarnings } from '../auth/jwt.ts';
import { KeyStore } from '../auth/key-store.ts';
import type { ClosableBus, CommandBus } from '../commands/command-bus.ts';
import type { Env } from '../config/env.ts';
import type { Database } from '../db/client.ts';
import type { CommandTable } from '../engine/idempotency-index.ts';
import { LedgerEngine } from '../engine/ledger-engine.ts';
import { PostgresSnapshotStore } from '../engine/postgres-snapshot-store.ts';
import { type CreateAppOptions, createApp } from '../http/app.ts';
import type { App } from '../http/context.ts';
import { type EventLog, LogUnavailableError } from '../log/event-log.ts';
import { type Metrics, createMetrics, instrumentBus, instrumentLog, projectorLagSource } from '../observability/metrics.ts';
import type { Projector } from '../projections/projection.ts';
import { projectedPositions } from '../read-models/read-model.ts';
import { type ReadModels, projections, readModels } from '../read-models/registry.ts';
import { reportContext } from '../reports/report.ts';
import { loadFraudConfig } from './fraud-config.ts';
import type { Logger } from './logger.ts';
import { type Storage, openStorage } from './storage.ts';
/** What a process does: the writer, projectors, HTTP API nodes; `all` (the default) is every one. */
export type Role = 'engine' | 'projector' | 'api';
export const ROLES: readonly Role[] = ['engine', 'projector', 'api'];

export function parseRoles(text: string): Set<Role> {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0 || parts.includes('all')) return new Set(ROLES);
  const bad = parts.filter((p) => !(ROLES as readonly string[]).includes(p));
  if (bad.length) throw new Error(`unknown role(s) ${bad.join(', ')}: use engine, projector, api or all`);
  return new Set(parts as Role[]);
}

export interface System {
  app: App;
  /** The writer, when this process has the engine role. */
  engine: LedgerEngine | null;
  database: Database;
  log: EventLog;
  /** Every read model of this process (ledger, audit, anomaly), each with its projection, queries and position. */
  readModels: ReadModels;
  /** Every projector of this process, whichever log feeds it. */
  projectors: Projector[];
  roles: ReadonlySet<Role>;
  keys: KeyStore;
  metrics: Metrics;
  /** Every projector of this process catches up to the log's current end (tests, tools). */
  catchUp(): Promise<void>;
  close(): Promise<void>;
}

export interface SystemOptions {
  /** Use this database instead of opening one from the environment (tests). */
  database?: Database;
  logger: Logger;
  /**
   * Shows a generated bootstrap admin token once (the CLI prints it to the terminal). It never goes
   * to the structured log. The token is also written, mode 0600, to bootstrapTokenFile.
   */
  announceBootstrapToken?: (token: string, file: string) => void;
  /** Default: <LEDGER_DATA_DIR>/bootstrap-admin-token. */
  bootstrapTokenFile?: string;
  /** For the auth-overhead benchmark only. */
  app?: CreateAppOptions;
  /** Overrides LEDGER_ROLE (the CLI's --role). */
  roles?: Set<Role>;
  /** The engine's clock (tests and `ledger demo --fraud` drive simulated time through it). */
  clock?: () => Date;
  /**
   * Run the projectors in a worker thread (`ledger serve` on PostgreSQL, LEDGER_PROJECTOR_THREAD):
   * they open their own connections from `env`, so this applies only to a database named by
   * DATABASE_URL, never to a PGlite in this thread or a database passed in `database`.
   */
  projectorThread?: boolean;
}

/** Stops what was started, newest first. */
type Closers = Array<() => Promise<void>>;

/** The composition root: everything is wired here and nowhere else. */
export async function startSystem(env: Env, options: SystemOptions): Promise<System> {
  const storage = await openStorage(env, { logger: options.logger, ...(options.database ? { database: options.database } : {}) });
  const closers: Closers = [() => storage.close()];
  try {
    const roles = options.roles ?? parseRoles(env.LEDGER_ROLE);
    const metrics = createMetrics(new Registry());
    const log = instrumentLog(storage.log, metrics);
    const projectors: Projector[] = [];
    const models = readModels(storage.database.db, {
      partitions: log.partitions,
      fraud: loadFraudConfig(env.LEDGER_FRAUD_RULES),
      onAlerts: (raised) => raised.forEach((a) => metrics.alertsRaised.inc({ rule: a.rule, severity: a.severity })),
      positions: projectedPositions(storage.database.db, projectors),
    });
    const engine = roles.has('engine') ? await startEngine(storage, log, { memory: env.LEDGER_IDEMPOTENCY_MEMORY, table: models.idempotency.queries }, options, closers) : null;
    if (roles.has('projector')) {
      const threaded = options.projectorThread && !options.database && storage.database.kind === 'postgres';
      // Beside the writer, projectors on Kafka share one reader rather than a consumer group each (ProjectorOptions.shareReads).
      const shareReads = roles.has('engine');
      projectors.push(...(threaded ? await startProjectorThread(env, models, metrics, options.logger, shareReads, closers) : await startProjectors(storage, models, options.logger, shareReads, closers)));
    }
    metrics.setProjectorLagSource(projectorLagSource(log, projectors));
    const commands = instrumentBus(await commandBus(engine, storage, roles, forwardTimeouts(env), closers), metrics);
    const alertReactor = engine ? startAlertReactor(storage.database.db, engine, instrumentBus(engine, metrics), options.logger, closers) : null;
    const keys = new KeyStore(storage.database.db);
    await bootstrapAdmin(keys, env, options);
    const app = createApp(
      { commands, readModels: models, reports: reportContext(storage.database.db, log, models.ledger), log, keys, authenticator: authenticator(keys, env, options.logger), metrics, logger: options.logger, ready: async () => !engine || engine.isWriter, config: apiConfig(env) },
      options.app,
    );
    return {
      app,
      engine,
      database: storage.database,
      log,
      readModels: models,
      projectors,
      roles,
      keys,
      metrics,
      catchUp: async () => {
        await Promise.all(projectors.map((p) => p.catchUp()));
        // Alerts the projector raised go into the log as AlertRaised; the projectors then see those too.
        if (alertReactor && (await alertReactor.drain()) > 0) await Promise.all(projectors.map((p) => p.catchUp()));
      },
      close: () => closeAll(closers),
    };
  } catch (err) {
    await closeAll(closers).catch(() => {});
    throw err;
  }
}

/**
 * The alert reactor beside the writer: every second, the alerts the anomaly projector raised go into
 * the log (src/read-models/anomaly/alert-reactor.ts); a standby's waits until it is the writer.
 */
function startAlertReactor(db: Database['db'], engine: LedgerEngine, commands: CommandBus, logger: Logger, closers: Closers): AlertReactor {
  const reactor = new AlertReactor(db, commands);
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (!engine.isWriter) return;
    running = running.then(() => reactor.drain()).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'alert reactor failed; retried on the next look'));
  }, 1000);
  timer.unref();
  closers.push(async () => {
    clearInterval(timer);
    await running;
  });
  return reactor;
}

async function closeAll(closers: Closers): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close();
}

/** The writer: rebuilt from the log (and snapshots); on Kafka it also serves ledger.commands. */
async function startEngine(storage: Storage, log: EventLog, idempotency: { memory: number; table: CommandTable }, options: SystemOptions, closers: Closers): Promise<LedgerEngine> {
  const { logger } = options;
  const engine = new LedgerEngine(log, {
    ...(options.clock ? { clock: options.clock } : {}),
    // The newest command ids in memory; the older ones in the idempotency read model's table.
    idempotencyMemory: idempotency.memory,
    commandTable: idempotency.table,
    snapshots: new PostgresSnapshotStore(storage.database.db, storage.kafka ? `kafka:${storage.kafka.topic}` : 'events'),
    onSnapshotError: (err) => logger.warn({ err: (err as Error).message }, 'engine snapshot failed; the next start replays more of the log'),
    // Holds past their timeout are expired by the engine itself (every second, key expire:<holdId>); a
    // failed expiry is retried on the next look, so it is only logged.
    onExpiryError: (err) => logger.warn({ err: (err as Error).message }, 'hold expiry failed; retried on the next look'),
    onLeaseError: (err) => logger.warn({ err: (err as Error).message }, 'writer lease: renewing, looking or changing role failed; retrying'),
  });
  engine.onRole((role) =>
    role === 'writer'
      ? logger.info({ role }, 'this instance is the writer')
      : logger.warn({ role }, 'another instance is the writer: this one stands by (tailing the log) and takes over once its lease expires; commands answer 503'),
  );
  engine.onFenced((err) => logger.error({ err: err.message }, 'this writer was fenced by another writer'));
  const started = Date.now();
  await engine.start();
  logger.info({ accounts: engine.accountCount, ms: Date.now() - started, ...engine.startInfo }, 'engine rebuilt from the log');
  closers.push(async () => {
    // No new expiries once closing starts; what is queued still lands before the log closes.
    engine.stop();
    await engine.drain();
    await engine.snapshot();
    await engine.release();
  });
  const server = commandServer(engine, storage, logger);
  if (server) await serveCommandsWhileWriter(engine, server, closers);
  return engine;
}

/**
 * How API nodes and standbys elsewhere reach the writer: <prefix>.commands / <prefix>.replies on
 * Kafka (only the writer is in the commands group), `command_inbox` on a PostgreSQL server. Null on
 * PGlite: nobody else can reach its database.
 */
function commandServer(engine: LedgerEngine, storage: Storage, logger: Logger): (() => Promise<{ close(): Promise<void> }>) | null {
  const kafka = storage.kafka;
  if (kafka) return async () => new (await import('../commands/kafka-command-server.ts')).KafkaCommandServer(engine, kafka, `${kafka.prefix}.engine`).start();
  const sql = storage.database.sql;
  const onError = (err: unknown) => logger.warn({ err: (err as Error).message }, 'serving command_inbox failed; retried on the next look');
  if (sql) return async () => new (await import('../commands/postgres-command-server.ts')).PostgresCommandServer(engine, sql, onError).start();
  return null;
}

/** The server runs only while this engine is the writer: a standby (or a writer that was fenced) receives no commands. */
async function serveCommandsWhileWriter(engine: LedgerEngine, start: () => Promise<{ close(): Promise<void> }>, closers: Closers): Promise<void> {
  let server: { close(): Promise<void> } | null = null;
  const open = async () => {
    server ??= await start();
  };
  const close = async () => {
    const s = server;
    server = null;
    await s?.close();
  };
  engine.onRole((role) => (role === 'writer' ? open() : close()));
  engine.onFenced(() => void close());
  if (engine.isWriter) await open();
  closers.push(close);
}

/** One projector per read model, fed by this storage's log. */
async function startProjectors(storage: Storage, models: ReadModels, logger: Logger, shareReads: boolean, closers: Closers): Promise<Projector[]> {
  const onError = (err: unknown, name: string) => logger.error({ err: (err as Error).message, projection: name }, 'projection batch failed; retrying');
  const started = await storage.startProjectors(projections(models), { onError, shareReads });
  closers.push(async () => void (await Promise.all(started.map((p) => p.stop()))));
  return started;
}

/** The same projectors in a worker thread: its own event loop and database connections. */
async function startProjectorThread(env: Env, models: ReadModels, metrics: Metrics, logger: Logger, shareReads: boolean, closers: Closers): Promise<Projector[]> {
  const { WorkerProjectors } = await import('../projections/worker-projectors.ts');
  const onAlerts = (raised: ReadonlyArray<{ rule: string; severity: string }>) => raised.forEach((a) => metrics.alertsRaised.inc({ rule: a.rule, severity: a.severity }));
  const thread = await new WorkerProjectors({ env, names: projections(models).map((p) => p.name), logger, onAlerts, shareReads }).start();
  closers.push(() => thread.stop());
  return thread.projectors;
}

/** Where commands go: the engine in this process (forwarded while it stands by), or to the writer elsewhere (Kafka, PostgreSQL), or nowhere. */
async function commandBus(engine: LedgerEngine | null, storage: Storage, roles: ReadonlySet<Role>, timeouts: ForwardTimeouts, closers: Closers): Promise<CommandBus> {
  const forwarder = roles.has('api') ? forwarderTo(storage, timeouts) : null;
  if (engine && forwarder) {
    // The engine's own while it is the writer; the forwarder is opened the first time it stands by.
    const { WriterOrForward } = await import('../commands/writer-or-forward.ts');
    const bus = new WriterOrForward(engine, forwarder);
    closers.push(() => bus.close());
    return bus;
  }
  if (engine) return engine;
  if (forwarder) {
    const bus = await forwarder();
    closers.push(() => bus.close());
    return bus;
  }
  return { execute: () => Promise.reject(new LogUnavailableError(`this process (role ${[...roles].join(',')}) takes no commands`)) };
}

/** Starts a bus to the writer elsewhere: over Kafka, or over the PostgreSQL server's `command_inbox`; none on PGlite. */
function forwarderTo(storage: Storage, timeouts: ForwardTimeouts): (() => Promise<ClosableBus>) | null {
  const kafka = storage.kafka;
  if (kafka) return async () => new (await import('../commands/kafka-command-bus.ts')).KafkaCommandBus(kafka).start();
  const sql = storage.database.sql;
  if (sql) return async () => new (await import('../commands/postgres-command-bus.ts')).PostgresCommandBus(sql, timeouts).start();
  return null;
}

interface ForwardTimeouts {
  timeoutMs: number;
  maxWaitMs: number;
}

/** A forwarded command waits up to 10 s (a takeover takes 1–5 s), and always ends 1 s before the HTTP request timeout: its 503 is log_unavailable. */
function forwardTimeouts(env: Env): ForwardTimeouts {
  const maxWaitMs = Math.max(50, env.LEDGER_REQUEST_TIMEOUT_MS - 1000);
  return { timeoutMs: Math.min(10_000, maxWaitMs), maxWaitMs };
}

function authenticator(keys: KeyStore, env: Env, logger: Logger) {
  const config = {
    issuer: env.LEDGER_JWT_ISSUER ?? null,
    audience: env.LEDGER_JWT_AUDIENCE ?? null,
    jwksUrl: env.LEDGER_JWT_JWKS_URL ?? null,
    secret: env.LEDGER_JWT_SECRET ?? null,
    publicKeyPem: env.LEDGER_JWT_PUBLIC_KEY ?? null,
    roleClaim: env.LEDGER_JWT_ROLE_CLAIM,
    accountsClaim: env.LEDGER_JWT_ACCOUNTS_CLAIM,
  };
  for (const warning of jwtWarnings(config)) logger.warn({ config: 'jwt' }, warning);
  return createAuthenticator(keys, createJwtVerifier(config));
}

function apiConfig(env: Env) {
  return {
    minPositionWaitMs: env.LEDGER_MIN_POSITION_WAIT_MS,
    security: {
      bodyLimitBytes: env.LEDGER_BODY_LIMIT_BYTES,
      rateLimit: { ratePerSecond: env.LEDGER_RATE_LIMIT_RPS, burst: env.LEDGER_RATE_LIMIT_BURST },
      requestTimeoutMs: env.LEDGER_REQUEST_TIMEOUT_MS,
      corsOrigins: env.LEDGER_CORS_ORIGINS,
      metricsToken: env.LEDGER_METRICS_TOKEN ?? null,
      metricsPublic: env.LEDGER_METRICS_PUBLIC,
      overdraft: { max: env.LEDGER_MAX_OVERDRAFT_LIMIT, adminAbove: env.LEDGER_ADMIN_OVERDRAFT_ABOVE },
      failedAuth: { maxFailures: env.LEDGER_AUTH_FAILURES_MAX, windowMs: env.LEDGER_AUTH_FAILURES_WINDOW_MS },
      streams: { maxPerKey: env.LEDGER_SSE_MAX_PER_KEY, maxTotal: env.LEDGER_SSE_MAX_TOTAL, bufferEvents: env.LEDGER_SSE_BUFFER_EVENTS, recheckMs: env.LEDGER_SSE_RECHECK_MS },
    },
  };
}

/** The first admin: LEDGER_BOOTSTRAP_TOKEN, or on a first start without keys a generated token, shown once. */
async function bootstrapAdmin(keys: KeyStore, env: Env, options: SystemOptions): Promise<void> {
  const { logger } = options;
  const result = await keys.ensureBootstrap(env.LEDGER_BOOTSTRAP_TOKEN ?? null);
  if (result.outcome === 'revoked') {
    logger.warn({ keyId: result.keyId }, 'LEDGER_BOOTSTRAP_TOKEN is set but its key was revoked; it is not accepted');
  } else if (result.outcome === 'generated' && result.token) {
    const file = options.bootstrapTokenFile ?? path.join(env.LEDGER_DATA_DIR, 'bootstrap-admin-token');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${result.token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    logger.warn({ keyId: result.keyId, file }, 'no API keys existed: generated a bootstrap admin token and wrote it to the file (mode 0600); create named keys with POST /v1/keys and revoke it');
    options.announceBootstrapToken?.(result.token, file);
  }
}
