import { Counter, Gauge, Histogram, type Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandBus } from '../commands/command-bus.ts';
import { DomainError } from '../domain/errors.ts';
import type { EventLog } from '../log/event-log.ts';

export interface ProjectorLag {
  projector: string;
  partition: number;
  events: number;
  seconds: number;
}

/**
 * The service's Prometheus metrics, on a registry the composition root creates (no global
 * singleton). Components get the few instruments they need handed in.
 */
export function createMetrics(registry: Registry, options: { defaultMetrics?: boolean } = {}) {
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ledger_' });
  const registers = [registry];
  let lagSource: (() => Promise<ProjectorLag[]>) | null = null;

  const metrics = {
    registry,
    httpRequests: new Counter({ name: 'ledger_http_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    httpDuration: new Histogram({
      name: 'ledger_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    commands: new Counter({ name: 'ledger_commands_total', help: 'Commands by outcome (accepted, replayed, refused) and refusal code', labelNames: ['outcome', 'code'] as const, registers }),
    eventsAppended: new Counter({ name: 'ledger_events_appended_total', help: 'Events appended to the log', registers }),
    appendBatch: new Histogram({ name: 'ledger_append_batch_events', help: 'Events per atomic append (group commit size)', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000], registers }),
    appendDuration: new Histogram({ name: 'ledger_append_duration_seconds', help: 'Time of one atomic append', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers }),
    alertsRaised: new Counter({ name: 'ledger_alerts_raised_total', help: 'Anomaly alerts raised, by rule and severity', labelNames: ['rule', 'severity'] as const, registers }),
    authFailures: new Counter({ name: 'ledger_auth_failures_total', help: 'Failed authentications (401), and requests refused 429 after too many from one address (reason throttled)', labelNames: ['reason'] as const, registers }),
    authzDenied: new Counter({ name: 'ledger_authz_denied_total', help: 'Requests refused with 403, by reason', labelNames: ['reason'] as const, registers }),
    rateLimited: new Counter({ name: 'ledger_rate_limited_total', help: 'Requests refused with 429', registers }),
    /** Where the projector lag gauges read from (set once the runners exist). */
    setProjectorLagSource(source: () => Promise<ProjectorLag[]>): void {
      lagSource = source;
    },
  };

  // Both gauges read one snapshot per scrape (the registry collects metrics concurrently).
  let snapshot: { at: number; lags: Promise<ProjectorLag[]> } | null = null;
  const lags = (): Promise<ProjectorLag[]> => {
    if (!lagSource) return Promise.resolve([]);
    const now = Date.now();
    if (!snapshot || now - snapshot.at > 100) snapshot = { at: now, lags: lagSource().catch(() => []) };
    return snapshot.lags;
  };
  for (const [name, help, pick] of [
    ['ledger_projector_lag_events', 'Events in the log not yet projected', (l: ProjectorLag) => l.events],
    ['ledger_projector_lag_seconds', 'Age of the oldest event not yet projected (0 when caught up)', (l: ProjectorLag) => l.seconds],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['projector', 'partition'] as const,
      registers,
      async collect() {
        this.reset();
        for (const lag of await lags()) this.set({ projector: lag.projector, partition: String(lag.partition) }, pick(lag));
      },
    });
  }
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The log with its appends counted and timed. */
export function instrumentLog(log: EventLog, metrics: Metrics): EventLog {
  return {
    get kind() {
      return log.kind;
    },
    get partitions() {
      return log.partitions;
    },
    acquireWriter: () => log.acquireWriter(),
    ...(log.tryAcquireWriter && log.renewWriter && log.releaseWriter
      ? { leaseMs: log.leaseMs, tryAcquireWriter: () => log.tryAcquireWriter!(), renewWriter: () => log.renewWriter!(), releaseWriter: () => log.releaseWriter!() }
      : {}),
    ...(log.pipeline === undefined ? {} : { pipeline: log.pipeline }),
    async append(events, options) {
      const end = metrics.appendDuration.startTimer();
      const stored = await log.append(events, options);
      end();
      metrics.appendBatch.observe(stored.length);
      metrics.eventsAppended.inc(stored.length);
      return stored;
    },
    read: (partition, after, limit) => log.read(partition, after, limit),
    last: (partition) => log.last(partition),
    waitFor: (partition, after, timeoutMs) => log.waitFor(partition, after, timeoutMs),
    close: () => log.close(),
  };
}

/** The command bus with accepted / replayed / refused (by code) counted. */
export function instrumentBus(bus: CommandBus, metrics: Metrics): CommandBus {
  return {
    async execute(command, ctx) {
      try {
        const result = await bus.execute(command, ctx);
        metrics.commands.inc({ outcome: result.replayed ? 'replayed' : 'accepted', code: 'ok' });
        return result;
      } catch (err) {
        metrics.commands.inc({ outcome: 'refused', code: err instanceof DomainError ? err.code : 'error' });
        throw err;
      }
    },
  };
}

/** Projector lag: each runner's position against the log's last position, per partition. */
export function projectorLagSource(log: EventLog, runners: ReadonlyArray<{ name: string; positions: ReadonlyMap<number, number> }>, now: () => number = Date.now) {
  return async (): Promise<ProjectorLag[]> => {
    const out: ProjectorLag[] = [];
    for (let p = 0; p < log.partitions; p++) {
      const last = await log.last(p);
      const head = last?.position ?? -1;
      for (const r of runners) {
        const at = r.positions.get(p) ?? -1;
        let seconds = 0;
        if (head > at) {
          const oldest = (await log.read(p, at, 1))[0];
          if (oldest) seconds = Math.max(0, (now() - Date.parse(oldest.occurredAt)) / 1000);
        }
        out.push({ projector: r.name, partition: p, events: Math.max(0, head - at), seconds });
      }
    }
    return out;
  };
}
