import { pino } from 'pino';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Structured JSON logs (pino) on stdout. The code never logs headers or tokens; the redaction
 * list is the second line of defence should one slip into a log object.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'ledger' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization', '*.authorization', 'token', '*.token', 'secret', '*.secret', 'password', '*.password'],
      censor: '[redacted]',
    },
  };
  // stdout written asynchronously: lines that come while a write is under way go out together in the
  // next one (one system call for many access-log lines under load, none on the request's path).
  // pino flushes what is pending when the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
