import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(PROJECT_ROOT, 'scripts/kafka.sh');

/** Starts (idempotently) or stops the broker the project script manages on `port`. */
export async function kafkaScript(command: 'start' | 'stop', port = 9092): Promise<string> {
  const { stdout } = await run('bash', [SCRIPT, command], {
    env: { ...process.env, KAFKA_PORT: String(port) },
    timeout: 180_000,
    maxBuffer: 10 * 1024 * 1024,
  });
  return stdout.trim();
}

/**
 * The broker the Kafka suites run against: KAFKA_BROKERS when set, otherwise the one
 * scripts/kafka.sh starts on 127.0.0.1:9092. Null (with a loud warning) when none can be had
 * outside CI; in CI that is an error.
 */
export async function ensureKafka(): Promise<string[] | null> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
  try {
    await kafkaScript('start');
    return ['127.0.0.1:9092'];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (process.env.CI) throw new Error(`no Kafka broker for the Kafka suite (CI is set, so this fails): ${message}`);
    console.warn(
      `\n${'!'.repeat(100)}\n!! SKIPPING the Kafka integration suite: no broker could be started (scripts/kafka.sh start failed).\n!! ${message.split('\n').join('\n!! ')}\n${'!'.repeat(100)}\n`,
    );
    return null;
  }
}

/** A topic name of its own for each test file (and each run). */
export function uniqueTopic(prefix: string): string {
  return `ledger.test.${prefix}.${randomBytes(4).toString('hex')}`;
}
