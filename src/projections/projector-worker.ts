/**
 * The projector thread: `ledger serve` on PostgreSQL runs its projectors here (worker-projectors.ts),
 * on their own event loop and connections, so projecting never holds up an HTTP request and the
 * process uses a second core. Same projectors, same exactly-once checkpoints as in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFraudConfig } from '../app/fraud-config.ts';
import { createLogger } from '../app/logger.ts';
import { SERVER_BATCH, openStorage } from '../app/storage.ts';
import type { Env } from '../config/env.ts';
import { projections, readModels } from '../read-models/registry.ts';
import { releaseStartupMemory } from '../release-startup-memory.ts';
import { readCheckpoint } from './checkpoints.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

const port = parentPort!;
const COALESCE_MS = 20;
const post = (message: FromWorker) => port.postMessage(message);

async function main(): Promise<void> {
  // The main thread's configuration, as it parsed it.
  const { env, shareReads } = workerData as { env: Env; shareReads: boolean };
  const logger = createLogger(env.LOG_LEVEL);
  const storage = await openStorage(env, { logger });
  const models = readModels(storage.database.db, {
    partitions: storage.log.partitions,
    fraud: loadFraudConfig(env.LEDGER_FRAUD_RULES),
    onAlerts: (raised) => post({ kind: 'alerts', raised: raised.map((a) => ({ rule: a.rule, severity: a.severity })) }),
  });
  const all = projections(models);
  const positions: Array<[string, number, number]> = [];
  for (const projection of all) {
    for (let p = 0; p < storage.log.partitions; p++) positions.push([projection.name, p, await readCheckpoint(storage.database.db, projection.name, p)]);
  }
  const onError = (err: unknown, name: string) => {
    logger.error({ err: (err as Error).message, projection: name }, 'projection batch failed; retrying');
    post({ kind: 'error', name, message: (err as Error).message });
  };
  const onBatch = (name: string, partition: number, position: number) => post({ kind: 'batch', name, partition, position });
  // Off the HTTP thread, a batch may gather for longer: fewer transactions, lag still well under 1 s.
  const started = await storage.startProjectors(all, { onError, onBatch, coalesceMs: COALESCE_MS, batchSize: SERVER_BATCH, shareReads });
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'catchUp') {
      const projector = started.find((p) => p.name === message.name);
      void (projector ? projector.catchUp() : Promise.resolve()).then(
        () => post({ kind: 'caughtUp', id: message.id, failure: null }),
        (err: unknown) => post({ kind: 'caughtUp', id: message.id, failure: (err as Error).message }),
      );
    } else {
      void Promise.all(started.map((p) => p.stop()))
        .then(() => storage.close())
        .finally(() => post({ kind: 'stopped' }));
    }
  });
  post({ kind: 'ready', positions });
  releaseStartupMemory();
}

// A failure to start ends the worker with the error: the main thread reports it (and, once the
// worker had started, starts it again).
await main();
