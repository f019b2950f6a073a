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
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
