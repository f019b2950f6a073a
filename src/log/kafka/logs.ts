import { type LogEntry, type logCreator, logLevel } from 'kafkajs';

/** Where kafkajs's lines go: the service's structured logger. */
export interface KafkaLogSink {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** The scalar fields kafkajs attaches to a line (broker, clientId, error, retryCount, groupId, …); its stack is left out. */
function fieldsOf(log: LogEntry['log']): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(log as Record<string, unknown>)) {
    if (key === 'message' || key === 'timestamp' || key === 'stack') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return fields;
}

/**
 * kafkajs's lines through the service's logger (one JSON format on stdout), not kafkajs's own
 * console lines. Its errors are logged as warnings: kafkajs logs every error response of the broker
 * before its retry decides (CONCURRENT_TRANSACTIONS on a transaction's first send under load, a
 * coordinator still loading after a broker start), and a failure that outlasts the retries reaches
 * this service's code, which logs it as an error itself.
 */
export function kafkaLogCreator(sink: KafkaLogSink): logCreator {
  return () => (entry) => {
    const obj = { kafkajs: entry.namespace, ...fieldsOf(entry.log) };
    if (entry.level === logLevel.ERROR || entry.level === logLevel.WARN) sink.warn(obj, entry.log.message);
    else if (entry.level === logLevel.INFO) sink.info(obj, entry.log.message);
  };
}
