import { Worker } from 'node:worker_threads';
import type { Logger } from '../app/logger.ts';
import { workerEntry } from '../app/worker-entry.ts';
import type { Env } from '../config/env.ts';
import type { Projector } from './projection.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

export interface WorkerProjectorsOptions {
  /** The configuration the worker opens its storage and fraud rules from. */
  env: Env;
  /** The projections the worker runs (the registry's, in its order): one Projector each here. */
  names: readonly string[];
  logger: Logger;
  onAlerts?: (raised: ReadonlyArray<{ rule: string; severity: string }>) => void;
  /** On Kafka: one reader for all the projections instead of a consumer group each (ProjectorOptions.shareReads). */
  shareReads?: boolean;
}

const WORKER = workerEntry(import.meta.url, 'projector-worker');

/**
 * The projectors of this process, run in a worker thread (projector-worker.ts) that opens its own
 * storage from the same environment. Each Projector here mirrors one in the worker: its positions
 * follow the worker's committed batches, catchUp() asks the worker. A worker that dies is started
 * again after a pause; its checkpoints are in PostgreSQL, so it resumes where it committed.
 */
export class WorkerProjectors {
  readonly projectors: Projector[];
  private readonly positions = new Map<string, Map<number, number>>();
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private worker: Worker | null = null;
  private stopping = false;
  private nextId = 0;

  constructor(private readonly options: WorkerProjectorsOptions) {
    this.projectors = options.names.map((name) => {
      const positions = new Map<number, number>();
      this.positions.set(name, positions);
      return { name, positions, catchUp: () => this.catchUp(name), stop: () => this.stop() };
    });
  }

  /** Resolves once the worker's projectors run (their checkpoints loaded). */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => this.spawn(resolve, reject));
    return this;
  }

  private spawn(onReady: () => void, onFailed: (err: Error) => void): void {
    const worker = new Worker(WORKER.url, { workerData: { env: this.options.env, shareReads: this.options.shareReads ?? false }, ...WORKER.options });
    this.worker = worker;
    let ready = false;
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'ready') {
        for (const [name, partition, position] of message.positions) this.positions.get(name)?.set(partition, position);
        ready = true;
        onReady();
      } else this.receive(message);
    });
    worker.on('error', (err) => this.options.logger.error({ err: err.message }, 'projector worker failed'));
    worker.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the projector worker exited (code ${code})`));
      this.waiting.clear();
      if (this.stopping) return;
      if (!ready) return onFailed(new Error(`the projector worker exited before it started (code ${code})`));
      this.options.logger.error({ code }, 'projector worker exited; starting it again');
      setTimeout(() => this.stopping || this.spawn(() => {}, () => {}), 1000).unref();
    });
  }

  private receive(message: FromWorker): void {
    switch (message.kind) {
      case 'batch':
        this.positions.get(message.name)?.set(message.partition, message.position);
        break;
      case 'alerts':
        this.options.onAlerts?.(message.raised);
        break;
      case 'caughtUp': {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.failure === null) waiter?.resolve();
        else waiter?.reject(new Error(message.failure));
        break;
      }
      default:
        break;
    }
  }

  private send(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private catchUp(name: string): Promise<void> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.send({ kind: 'catchUp', id, name });
    });
  }

  /** Stops the worker's projectors (each finishes its batch) and closes its storage; idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (m: FromWorker) => m.kind === 'stopped' && resolve());
      worker.once('exit', () => resolve());
    });
    this.send({ kind: 'stop' });
    await stopped;
    await worker.terminate();
  }
}
