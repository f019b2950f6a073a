import { z } from 'zod';

/** All configuration, parsed once at start. The only module that reads process.env. */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LEDGER_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_TOPIC: z.string().default('ledger.events'),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(1),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(16).default(1),
  LEDGER_BOOTSTRAP_TOKEN: z.string().min(16).optional(),
  LEDGER_ROLE: z.string().default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a read with ?minPosition= waits for the projection before answering 409. */
  LEDGER_MIN_POSITION_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(3000),
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
