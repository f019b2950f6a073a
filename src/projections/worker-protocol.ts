/** Messages between the main thread and the projector worker (worker-projectors.ts, projector-worker.ts). */

export type ToWorker = { kind: 'catchUp'; id: number; name: string } | { kind: 'stop' };

export type FromWorker =
  /** The projectors started; their checkpoints as [projection, partition, position]. */
  | { kind: 'ready'; positions: Array<[string, number, number]> }
  | { kind: 'batch'; name: string; partition: number; position: number }
  | { kind: 'alerts'; raised: Array<{ rule: string; severity: string }> }
  | { kind: 'error'; name: string; message: string }
  | { kind: 'caughtUp'; id: number; failure: string | null }
  | { kind: 'stopped' };
