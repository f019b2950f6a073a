import { availableParallelism } from 'node:os';
import { createLogger } from '../app/logger.ts';
import type { Storage } from '../app/storage.ts';
import { parseRoles, startSystem } from '../app/system.ts';
import type { Env } from '../config/env.ts';
import { assertCanListen, startHttpServer } from '../http/server.ts';
import { resetProjection } from '../projections/checkpoints.ts';
import { projections } from '../read-models/registry.ts';
import { releaseStartupMemory } from '../release-startup-memory.ts';
import { catchUpWithProgress, toolReadModels, withStorage } from './tool-storage.ts';

/** `ledger rebuild`: empty every read model's tables and replay the log into them. */
async function rebuildReadModels(storage: Storage, env: Env): Promise<number> {
  const all = projections(toolReadModels(env, storage));
  for (const projection of all) await resetProjection(storage.database.db, projection);
  await catchUpWithProgress('rebuild', storage, all, (name, ms) => console.log(`rebuilt ${name} in ${ms} ms`));
  return 0;
}

export function rebuild(env: Env): Promise<number> {
  return withStorage(env, (storage) => rebuildReadModels(storage, env));
}

export function migrate(env: Env): Promise<number> {
  return withStorage(env, async () => {
    console.log('migrations applied');
    return 0;
  });
}

/** Grace period for a clean stop (HTTP server, engine, projections, log, database, data-dir lock). */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * SIGTERM or SIGINT (from a supervisor, from npm forwarding it, or Ctrl-C on the terminal, which
 * signals the whole process group) stops the service cleanly once; a second signal, or a stop
 * that outlasts the grace period, exits at once.
 */
function onShutdownSignal(logger: ReturnType<typeof createLogger>, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** `ledger serve`: the service until SIGTERM or SIGINT; -1 keeps the process running. */
export async function serve(env: Env, role: string | undefined): Promise<number> {
  const logger = createLogger(env.LOG_LEVEL);
  const roles = parseRoles(role ?? env.LEDGER_ROLE);
  await assertCanListen({ port: env.PORT, hostname: env.HOST });
  const system = await startSystem(env, {
    logger,
    roles,
    projectorThread: env.LEDGER_PROJECTOR_THREAD === 'auto' ? availableParallelism() > 1 : env.LEDGER_PROJECTOR_THREAD === 'true',
    // Shown once on the terminal (stderr), never in the structured log.
    announceBootstrapToken: (token, file) => {
      process.stderr.write(`\nBootstrap admin token (shown once; also in ${file}, mode 0600):\n\n  ${token}\n\nUse it to create named keys:\n  curl -H "Authorization: Bearer $(cat ${file})" -H 'content-type: application/json' -d '{"name":"teller 1","role":"teller"}' http://localhost:${env.PORT}/v1/keys\n\n`);
    },
  });
  const server = await startHttpServer(
    system.app,
    { port: env.PORT, hostname: env.HOST, requestTimeoutMs: env.LEDGER_REQUEST_TIMEOUT_MS, headersTimeoutMs: env.LEDGER_HEADERS_TIMEOUT_MS },
    (port) => logger.info({ port, roles: [...system.roles], log: system.log.kind, database: system.database.kind, dataDir: env.DATABASE_URL ? null : env.LEDGER_DATA_DIR }, 'ledger listening'),
  ).catch(async (err: unknown) => {
    await system.close(); // releases the data-dir lock before the error is printed
    throw err;
  });
  releaseStartupMemory();
  onShutdownSignal(logger, async () => {
    server.close();
    server.closeIdleConnections();
    await system.close();
  });
  return -1;
}

