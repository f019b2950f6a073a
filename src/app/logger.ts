import { pino } from 'pino';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Structured JSON logs (pino) on stdout. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'ledger' }, redact: ['req.headers.authorization', '*.authorization', '*.token'] });
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
