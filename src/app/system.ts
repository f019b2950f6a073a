import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { createAuthenticator } from '../auth/authenticator.ts';
import { createJwtVerifier } from '../auth/jwt.ts';
import { KeyStore } from '../auth/key-store.ts';
import type { Env } from '../config/env.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { LedgerEngine } from '../engine/ledger-engine.ts';
import { PostgresSnapshotStore } from '../engine/postgres-snapshot-store.ts';
import { type CreateAppOptions, createApp } from '../http/app.ts';
import type { App } from '../http/context.ts';
import { type EventLog, LogUnavailableError } from '../log/event-log.ts';
import { PostgresEventLog } from '../log/postgres-event-log.ts';
import { kafkaEventLogOptions } from '../log/kafka-config.ts';
import { KafkaEventLog } from '../log/kafka-event-log.ts';
import { KafkaProjectionRunner } from '../projections/kafka-runner.ts';
import type { CommandBus } from '../commands/command-bus.ts';
import { KafkaCommandBus } from '../commands/kafka-command-bus.ts';
import { KafkaCommandServer } from '../commands/kafka-command-server.ts';
import { type Metrics, createMetrics, instrumentBus, instrumentLog, projectorLagSource } from '../observability/metrics.ts';
import { readCheckpoint } from '../projections/checkpoints.ts';
import { anomalyProjection } from '../projections/anomaly-projection.ts';
import { auditProjection } from '../read-models/audit/projection.ts';
import { ledgerProjection } from '../read-models/ledger/projection.ts';
import { fraudQueries } from '../read/fraud-queries.ts';
import { loadFraudConfig } from './fraud-config.ts';
import { ProjectionRunner } from '../projections/runner.ts';
import { accountQueries } from '../read-models/ledger/queries.ts';
import { tableAlertSource } from '../reports/alerts-source.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import type { Logger } from './logger.ts';

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

/** A projector loop, fed by the PostgreSQL log or by a Kafka consumer group. */
export interface Runner {
  readonly name: string;
  readonly positions: ReadonlyMap<number, number>;
  stop(): Promise<void>;
}

export interface System {
  app: App;
  /** The writer, when this process has the engine role. */
  engine: LedgerEngine | null;
  database: Database;
  log: EventLog;
  /** PostgreSQL-log projectors (they can also catch up on demand). */
  runners: ProjectionRunner[];
  /** Every projector of this process, whichever log feeds it. */
  projectors: Runner[];
  roles: ReadonlySet<Role>;
  keys: KeyStore;
  metrics: Metrics;
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
}

/** The composition root: everything is wired here and nowhere else. */
export async function startSystem(env: Env, options: SystemOptions): Promise<System> {
  const { logger } = options;
  const releaseLock = options.database || env.DATABASE_URL ? null : acquireDataDirLock(env.LEDGER_DATA_DIR);
  const database = options.database ?? (await openDatabase({ url: env.DATABASE_URL ?? null, dataDir: env.DATABASE_URL ? null : env.LEDGER_DATA_DIR }));
  await database.migrate();

  const roles = options.roles ?? parseRoles(env.LEDGER_ROLE);
  const fraudConfig = loadFraudConfig(env.LEDGER_FRAUD_RULES);
  const metrics = createMetrics(new Registry());
  const kafka = kafkaEventLogOptions(env);
  const rawLog: EventLog = kafka ? await new KafkaEventLog(kafka).start() : await new PostgresEventLog(database).start();
  const log = instrumentLog(rawLog, metrics);
  const closers: Array<() => Promise<void>> = [];
  // <prefix>.events → <prefix>.commands / <prefix>.replies, and consumer groups named after the prefix,
  // so several ledgers (or test runs) can share a cluster.
  const prefix = (kafka?.topic ?? 'ledger.events').replace(/\.events$/, '');
  const topology = kafka ? { brokers: kafka.brokers, replicationFactor: kafka.replicationFactor, commandsTopic: `${prefix}.commands`, repliesTopic: `${prefix}.replies` } : null;

  let engine: LedgerEngine | null = null;
  if (roles.has('engine')) {
    engine = new LedgerEngine(log, {
      ...(options.clock ? { clock: options.clock } : {}),
      snapshots: new PostgresSnapshotStore(database.db, kafka ? `kafka:${kafka.topic ?? 'ledger.events'}` : 'events'),
      onSnapshotError: (err) => logger.warn({ err: (err as Error).message }, 'engine snapshot failed; the next start replays more of the log'),
    });
    engine.onFenced((err) => logger.error({ err: err.message }, 'this writer was fenced by another writer; commands are refused'));
    const started = Date.now();
    await engine.start();
    logger.info({ accounts: engine.accountCount, ms: Date.now() - started, ...engine.startInfo }, 'engine rebuilt from the log');
    if (kafka) {
      // Stateless API nodes elsewhere reach this writer through ledger.commands / ledger.replies.
      const server = await new KafkaCommandServer(engine, topology!, `${prefix}.engine`).start();
      closers.push(() => server.close());
      // A fenced writer leaves the commands group, so the writer that took over receives the commands.
      engine.onFenced(() => void server.close());
    }
  }

  const projections = [ledgerProjection, auditProjection, anomalyProjection(fraudConfig, (raised) => raised.forEach((a) => metrics.alertsRaised.inc({ rule: a.rule, severity: a.severity })))];
  const onError = (err: unknown, name: string) => logger.error({ err: (err as Error).message, projection: name }, 'projection batch failed; retrying');
  const runners: ProjectionRunner[] = [];
  const projectors: Runner[] = [];
  if (roles.has('projector')) {
    for (const projection of projections) {
      if (kafka) {
        const runner = new KafkaProjectionRunner(database.db, projection, { brokers: kafka.brokers, topic: kafka.topic, groupId: `${prefix}.projector.${projection.name}`, onError });
        await runner.start();
        projectors.push(runner);
      } else {
        const runner = new ProjectionRunner(database.db, log, projection, { coalesceMs: database.kind === 'pglite' ? 20 : 2, onError });
        runner.start();
        runners.push(runner);
        projectors.push(runner);
      }
    }
  }
  metrics.setProjectorLagSource(projectorLagSource(log, projectors));
  const ledgerRunner = projectors.find((r) => r.name === ledgerProjection.name);
  const anomalyRunner = projectors.find((r) => r.name === 'anomaly');

  let commands: CommandBus;
  if (engine) commands = engine;
  else if (kafka && roles.has('api')) {
    const bus = await new KafkaCommandBus(topology!).start();
    closers.push(() => bus.close());
    commands = bus;
  } else commands = { execute: () => Promise.reject(new LogUnavailableError(`this process (role ${[...roles].join(',')}) takes no commands`)) };

  const keys = new KeyStore(database.db);
  await bootstrapAdmin(keys, env, options);
  const jwt = createJwtVerifier({
    issuer: env.LEDGER_JWT_ISSUER ?? null,
    audience: env.LEDGER_JWT_AUDIENCE ?? null,
    jwksUrl: env.LEDGER_JWT_JWKS_URL ?? null,
    secret: env.LEDGER_JWT_SECRET ?? null,
    publicKeyPem: env.LEDGER_JWT_PUBLIC_KEY ?? null,
    roleClaim: env.LEDGER_JWT_ROLE_CLAIM,
    accountsClaim: env.LEDGER_JWT_ACCOUNTS_CLAIM,
  });

  const app = createApp(
    {
      commands: instrumentBus(commands, metrics),
      accounts: accountQueries(database.db),
      log,
      keys,
      authenticator: createAuthenticator(keys, jwt),
      metrics,
      logger,
      projectedPosition: async (partition) => ledgerRunner?.positions.get(partition) ?? readCheckpoint(database.db, ledgerProjection.name, partition),
      ready: async () => !engine?.isFenced,
      config: {
        minPositionWaitMs: env.LEDGER_MIN_POSITION_WAIT_MS,
        security: {
          bodyLimitBytes: env.LEDGER_BODY_LIMIT_BYTES,
          rateLimit: { ratePerSecond: env.LEDGER_RATE_LIMIT_RPS, burst: env.LEDGER_RATE_LIMIT_BURST },
          requestTimeoutMs: env.LEDGER_REQUEST_TIMEOUT_MS,
          corsOrigins: env.LEDGER_CORS_ORIGINS,
          metricsToken: env.LEDGER_METRICS_TOKEN ?? null,
        },
      },
      fraud: {
        queries: fraudQueries(database.db, fraudConfig),
        commands: instrumentBus(commands, metrics),
        projectedPosition: async (partition) => anomalyRunner?.positions.get(partition) ?? readCheckpoint(database.db, 'anomaly', partition),
      },
      reports: { db: database.db, log, alerts: tableAlertSource(database.db) },
    },
    options.app,
  );

  return {
    app,
    engine,
    database,
    log,
    runners,
    projectors,
    roles,
    keys,
    metrics,
    async close() {
      for (const close of closers) await close();
      if (engine) {
        await engine.drain();
        await engine.snapshot();
      }
      await Promise.all(projectors.map((r) => r.stop()));
      await log.close();
      if (!options.database) await database.close();
      releaseLock?.();
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
