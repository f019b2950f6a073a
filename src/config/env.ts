import { z } from 'zod';

/** All configuration, parsed once at start. The only module that reads process.env. */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LEDGER_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .url()
    .refine((u) => /^postgres(ql)?:\/\//i.test(u), { error: (issue) => `must be a postgres:// or postgresql:// URL, not ${String(issue.input).split(':')[0]}:` })
    .optional(),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_TOPIC: z.string().default('ledger.events'),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(1),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(16).default(1),
  LEDGER_BOOTSTRAP_TOKEN: z.string().min(16).optional(),
  LEDGER_ROLE: z.string().default('all'),
  /** The writer's lease on the PostgreSQL log (ms): a standby takes over this long after the writer's last renewal. */
  LEDGER_WRITER_LEASE_MS: z.coerce.number().int().min(300).max(60_000).default(3000),
  /**
   * Most command ids (idempotency keys) the engine keeps in memory; older ones are looked up in the
   * idempotency read model's table (every key stays remembered there for good).
   */
  LEDGER_IDEMPOTENCY_MEMORY: z.coerce.number().int().min(1).max(100_000_000).default(1_000_000),
  /**
   * `ledger serve` on PostgreSQL (DATABASE_URL): true runs the projectors in a worker thread, false in
   * the main thread; auto (the default) uses the thread on a machine with more than one core (on 2 cores
   * +15 % transfers/s, lower p99, ~22 MiB more idle memory: BENCHMARKS.md, "Idle memory on Node 24").
   */
  LEDGER_PROJECTOR_THREAD: z.enum(['auto', 'true', 'false']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a read with ?minPosition= waits for the projection before answering 409. */
  LEDGER_MIN_POSITION_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(3000),
  /** `ledger report` against a running service: its base URL and an API key (auditor or admin). */
  LEDGER_URL: z.string().url().optional(),
  LEDGER_API_KEY: z.string().min(1).optional(),

  // ── Security ──
  /** JWTs from an identity provider: verified with a JWKS URL, a shared secret (HS256) or a PEM public key. */
  LEDGER_JWT_ISSUER: z.string().min(1).optional(),
  LEDGER_JWT_AUDIENCE: z.string().min(1).optional(),
  LEDGER_JWT_JWKS_URL: z.string().url().optional(),
  LEDGER_JWT_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  LEDGER_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  /** Claim carrying the role (teller | auditor | analyst | admin) and the optional account scope (string array). */
  LEDGER_JWT_ROLE_CLAIM: z.string().min(1).default('role'),
  LEDGER_JWT_ACCOUNTS_CLAIM: z.string().min(1).default('accounts'),
  /** Token bucket per key: sustained requests per second and burst; 0 turns the limit off. */
  LEDGER_RATE_LIMIT_RPS: z.coerce.number().min(0).max(1_000_000).default(10_000),
  LEDGER_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  LEDGER_BODY_LIMIT_BYTES: z.coerce.number().int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
  /** Most time a non-streaming request may take in the app; the HTTP server also drops clients that send too slowly. */
  LEDGER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  LEDGER_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Comma-separated allowed origins; empty (default) sends no CORS headers at all. */
  LEDGER_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
  /** When set, GET /metrics requires Authorization: Bearer <this token>. */
  LEDGER_METRICS_TOKEN: z.string().min(16).optional(),
  /** true: GET /metrics answers without any token. Otherwise it needs LEDGER_METRICS_TOKEN or an admin/auditor credential. */
  LEDGER_METRICS_PUBLIC: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Failed authentications allowed per client address and window before it is answered 429. */
  LEDGER_AUTH_FAILURES_MAX: z.coerce.number().int().min(1).max(1_000_000).default(30),
  LEDGER_AUTH_FAILURES_WINDOW_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** Server-Sent Event streams: open per caller and in total (429 beyond), events a slow stream may fall behind, token re-check period. */
  LEDGER_SSE_MAX_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(10),
  LEDGER_SSE_MAX_TOTAL: z.coerce.number().int().min(1).max(1_000_000).default(500),
  LEDGER_SSE_BUFFER_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  LEDGER_SSE_RECHECK_MS: z.coerce.number().int().min(10).max(3_600_000).default(5000),
  /** overdraftLimit on opening: never above the first; above the second only for an admin (plain decimals, in the account's currency). */
  LEDGER_MAX_OVERDRAFT_LIMIT: z.string().regex(/^[0-9]{1,18}(\.[0-9]{1,18})?$/, 'a plain non-negative decimal').default('1000000'),
  LEDGER_ADMIN_OVERDRAFT_ABOVE: z.string().regex(/^[0-9]{1,18}(\.[0-9]{1,18})?$/, 'a plain non-negative decimal').default('10000'),
  /** JSON file overriding the anomaly rules' thresholds (see src/domain/fraud/config.ts). */
  LEDGER_FRAUD_RULES: z.string().min(1).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return parsed.data;
}
