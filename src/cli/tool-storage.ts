import { loadFraudConfig } from '../app/fraud-config.ts';
import { type Storage, openStorage } from '../app/storage.ts';
import type { Env } from '../config/env.ts';
import type { EventLog } from '../log/event-log.ts';
import { readCheckpoint } from '../projections/checkpoints.ts';
import type { Projection } from '../projections/projection.ts';
import { ProjectionRunner } from '../projections/runner.ts';
import { type ReadModels, readModels } from '../read-models/registry.ts';
import { progress } from './progress.ts';

/**
 * Opens storage for a CLI tool, runs, closes. Read-only use of the log: no writer role is taken, so
 * a running engine is not fenced.
 */
export async function withStorage<T>(env: Env, run: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(env);
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

/** The read models over this storage, positions from the stored checkpoints (the anomaly rules' thresholds from the environment). */
export function toolReadModels(env: Env, storage: Storage): ReadModels {
  return readModels(storage.database.db, { partitions: storage.log.partitions, fraud: loadFraudConfig(env.LEDGER_FRAUD_RULES) });
}

/** Per partition, the position of the log's last event (-1 when empty). */
export async function logHeads(log: EventLog): Promise<number[]> {
  return Promise.all(Array.from({ length: log.partitions }, async (_, p) => (await log.last(p))?.position ?? -1));
}

/** Events between a checkpoint and the head, per partition, summed: what a catch-up has left to do (about: positions may skip). */
export async function eventsBehind(storage: Storage, projection: Projection, heads: readonly number[]): Promise<number> {
  let behind = 0;
  for (let p = 0; p < heads.length; p++) behind += Math.max(0, heads[p]! - (await readCheckpoint(storage.database.db, projection.name, p)));
  return behind;
}

/** Every projection caught up to the log (the exactly-once step of a running projector), with a progress line on a terminal. */
export async function catchUpWithProgress(label: string, storage: Storage, all: readonly Projection[], onDone?: (name: string, ms: number) => void): Promise<void> {
  const heads = await logHeads(storage.log);
  let total = 0;
  for (const projection of all) total += await eventsBehind(storage, projection, heads);
  const bar = progress(label, total);
  let done = 0;
  try {
    for (const projection of all) {
      const started = Date.now();
      const onBatch = (_name: string, _partition: number, _position: number, count: number) => bar.update((done += count), Math.max(total, done));
      await new ProjectionRunner(storage.database.db, storage.log, projection, { batchSize: 2000, onBatch }).catchUp();
      bar.done(); // the line is cleared before the caller prints
      onDone?.(projection.name, Date.now() - started);
    }
  } finally {
    bar.done();
  }
}
