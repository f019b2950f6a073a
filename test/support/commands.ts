import type { AccountEvent } from '../../src/domain/account/index.ts';
import { randomUUID } from 'node:crypto';
import type { CommandContext, EngineCommand } from '../../src/engine/ledger-engine.ts';
import { GENESIS_HASH, type NewEvent, chainHash, sha256Hex } from '../../src/log/envelope.ts';

/** Commands, their context and chained events for tests that drive the engine or the log without HTTP. */

/** The context of a command from an admin test caller; the same commandId is the same idempotency key. */
export function commandContext(commandId: string = randomUUID(), requestHash: string = sha256Hex(commandId)): CommandContext {
  return {
    commandId,
    requestHash,
    correlationId: commandId,
    causationId: null,
    actor: 'test',
    actorRole: 'admin',
    origin: { ip: null, userAgent: null, requestId: null },
  };
}

export const openAccountCommand = (accountId: string, currency = 'USD'): EngineCommand => ({ type: 'OpenAccount', accountId, currency, overdraftLimit: '0', ownerId: null, metadata: {} });

export const depositCommand = (accountId: string, amount: string, channel: string | null = null): EngineCommand => ({
  type: 'Deposit',
  accountId,
  transactionId: randomUUID(),
  amount,
  reference: null,
  channel,
  metadata: {},
});

export const withdrawCommand = (accountId: string, amount: string): EngineCommand => ({ type: 'Withdraw', accountId, transactionId: randomUUID(), amount, reference: null, channel: null, metadata: {} });

export const transferCommand = (fromAccountId: string, toAccountId: string, amount: string, reference: string | null = null): EngineCommand => ({
  type: 'Transfer',
  transactionId: randomUUID(),
  fromAccountId,
  toAccountId,
  amount,
  reference,
  metadata: {},
});

export interface DepositEvent {
  streamId: string;
  streamVersion: number;
  partition?: number;
  /** The hash of the event before it in its partition. */
  prevHash?: string;
  commandId?: string;
  transactionId?: string;
}

/**
 * An event of a valid domain log, chained after prevHash (for tests of the log itself, whose logs
 * an engine may replay): a stream's first event opens a EUR account, each later one deposits 1.00.
 */
export function depositEvent({ streamId, streamVersion, partition = 0, prevHash = GENESIS_HASH, commandId = randomUUID(), transactionId = commandId }: DepositEvent): NewEvent {
  const event: AccountEvent =
    streamVersion === 1
      ? { type: 'AccountOpened', data: { accountId: streamId, currency: 'EUR', overdraftLimit: '0.00', ownerId: null, metadata: {} } }
      : { type: 'FundsDeposited', data: { accountId: streamId, transactionId, amount: '1.00', currency: 'EUR', balanceAfter: `${streamVersion - 1}.00`, reference: null, metadata: {}, channel: null } };
  const body = { eventId: randomUUID(), ...event, streamId, streamVersion, partition, occurredAt: new Date().toISOString(), metadata: commandContext(commandId) };
  return { ...body, prevHash, hash: chainHash(prevHash, body) } as NewEvent;
}
