import { randomUUID } from 'node:crypto';
import type { LedgerCommand } from '../../src/domain/account/commands.ts';
import type { CommandContext } from '../../src/engine/ledger-engine.ts';
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

export const openAccountCommand = (accountId: string, currency = 'USD'): LedgerCommand => ({ type: 'OpenAccount', accountId, currency, overdraftLimit: '0', ownerId: null, metadata: {} });

export const depositCommand = (accountId: string, amount: string, channel: string | null = null): LedgerCommand => ({
  type: 'Deposit',
  accountId,
  transactionId: randomUUID(),
  amount,
  reference: null,
  channel,
  metadata: {},
});

export const withdrawCommand = (accountId: string, amount: string): LedgerCommand => ({ type: 'Withdraw', accountId, transactionId: randomUUID(), amount, reference: null, channel: null, metadata: {} });

export const transferCommand = (fromAccountId: string, toAccountId: string, amount: string, reference: string | null = null): LedgerCommand => ({
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

/** An envelope-valid FundsDeposited of 1.00 EUR, chained after prevHash (for tests of the log itself). */
export function depositEvent({ streamId, streamVersion, partition = 0, prevHash = GENESIS_HASH, commandId = randomUUID(), transactionId = commandId }: DepositEvent): NewEvent {
  const body = {
    eventId: randomUUID(),
    type: 'FundsDeposited' as const,
    streamId,
    streamVersion,
    partition,
    occurredAt: new Date().toISOString(),
    data: { accountId: streamId, transactionId, amount: '1.00', currency: 'EUR', balanceAfter: `${streamVersion}.00`, reference: null, metadata: {}, channel: null },
    metadata: commandContext(commandId),
  };
  return { ...body, prevHash, hash: chainHash(prevHash, body) };
}
