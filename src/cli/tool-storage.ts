import { loadFraudConfig } from '../app/fraud-config.ts';
import { type Storage, openStorage } from '../app/storage.ts';
import type { Env } from '../config/env.ts';
import { type ReadModels, readModels } from '../read-models/registry.ts';

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
