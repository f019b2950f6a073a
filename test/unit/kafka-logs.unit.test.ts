import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator } from '../../src/log/kafka/logs.ts';

type Line = { level: 'info' | 'warn'; obj: object; msg: string | undefined };

function recorder(): { lines: Line[]; sink: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void } } {
  const lines: Line[] = [];
  return { lines, sink: { info: (obj, msg) => lines.push({ level: 'info', obj, msg }), warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }) } };
}

describe('kafkajs lines through the service logger', () => {
  it('logs a broker error response kafkajs retries as a warning, with its scalar fields and no stack', () => {
    const { lines, sink } = recorder();
    const log = kafkaLogCreator(sink)(logLevel.ERROR);
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: '2026-12-07T14:14:04.616Z',
        message: 'Response AddPartitionsToTxn(key: 24, version: 1)',
        broker: '127.0.0.1:9092',
        clientId: 'ledger',
        error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
        correlationId: 13,
        stack: 'KafkaJSProtocolError: …\n    at …',
        request: { apiKey: 24 },
      },
    });
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: 'Response AddPartitionsToTxn(key: 24, version: 1)',
        obj: {
          kafkajs: 'Connection',
          broker: '127.0.0.1:9092',
          clientId: 'ledger',
          error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
          correlationId: 13,
        },
      },
    ]);
  });

  it('keeps info lines as info and drops debug lines', () => {
    const { lines, sink } = recorder();
    const log = kafkaLogCreator(sink)(logLevel.DEBUG);
    log({ namespace: 'Consumer', level: logLevel.INFO, label: 'INFO', log: { timestamp: 't', message: 'Starting', groupId: 'g' } });
    log({ namespace: 'Consumer', level: logLevel.DEBUG, label: 'DEBUG', log: { timestamp: 't', message: 'Fetching' } });
    log({ namespace: 'Consumer', level: logLevel.WARN, label: 'WARN', log: { timestamp: 't', message: 'Rebalancing', retryCount: 2 } });
    expect(lines.map((l) => [l.level, l.msg, l.obj])).toEqual([
      ['info', 'Starting', { kafkajs: 'Consumer', groupId: 'g' }],
      ['warn', 'Rebalancing', { kafkajs: 'Consumer', retryCount: 2 }],
    ]);
  });
});
