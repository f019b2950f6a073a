import type { AccountEvent } from '../../src/domain/account/index.ts';
import type { BatchItem, ExecuteBatch } from '../../src/domain/batch/index.ts';
import type { DomainCommand } from '../../src/domain/decider.ts';
import type { HoldEvent } from '../../src/domain/hold/index.ts';

/** Builders of the commands and events of accounts, holds, reversals and batches, for specs and properties. */

let ids = 0;
const next = (prefix: string) => `${prefix}-${++ids}`;

export const opened = (accountId: string, overdraftLimit = '0.00', currency = 'USD'): AccountEvent => ({
  type: 'AccountOpened',
  data: { accountId, currency, overdraftLimit, ownerId: null, metadata: {} },
});
export const deposited = (accountId: string, amount: string, balanceAfter: string, transactionId = next('dep')): AccountEvent => ({
  type: 'FundsDeposited',
  data: { accountId, transactionId, amount, currency: 'USD', balanceAfter, reference: null, channel: null, metadata: {} },
});
export const frozen = (accountId: string): AccountEvent => ({ type: 'AccountFrozen', data: { accountId, reason: null } });
export const closed = (accountId: string): AccountEvent => ({ type: 'AccountClosed', data: { accountId, reason: null } });
export const held = (accountId: string, holdId: string, amount: string, heldAfter: string): AccountEvent => ({
  type: 'FundsHeld',
  data: { accountId, holdId, amount, currency: 'USD', heldAfter },
});
export const holdPlaced = (holdId: string, accountId: string, amount: string, counterpartyAccountId: string | null = null, expiresAt: string | null = null): HoldEvent => ({
  type: 'HoldPlaced',
  data: { holdId, accountId, counterpartyAccountId, amount, currency: 'USD', expiresAt, reference: null, metadata: {} },
});

export const open = (accountId: string, overdraftLimit = '0', currency = 'USD'): DomainCommand => ({ type: 'OpenAccount', accountId, currency, overdraftLimit, ownerId: null, metadata: {} });
export const deposit = (accountId: string, amount: string, transactionId = next('dep')): BatchItem => ({ type: 'Deposit', accountId, transactionId, amount, reference: null, channel: null, metadata: {} });
export const withdraw = (accountId: string, amount: string, transactionId = next('wd')): BatchItem => ({ type: 'Withdraw', accountId, transactionId, amount, reference: null, channel: null, metadata: {} });
export const transfer = (fromAccountId: string, toAccountId: string, amount: string, transactionId = next('tr')): BatchItem => ({
  type: 'Transfer',
  transactionId,
  fromAccountId,
  toAccountId,
  amount,
  reference: null,
  metadata: {},
});
export const placeHold = (holdId: string, accountId: string, amount: string, options: { counterpartyAccountId?: string | null; timeoutSeconds?: number | null } = {}): BatchItem => ({
  type: 'PlaceHold',
  holdId,
  accountId,
  amount,
  counterpartyAccountId: options.counterpartyAccountId ?? null,
  timeoutSeconds: options.timeoutSeconds ?? null,
  reference: null,
  metadata: {},
});
export const capture = (holdId: string, amount: string | null = null, transactionId = next('cap')): BatchItem => ({ type: 'CaptureHold', holdId, transactionId, amount, reference: null, metadata: {} });
export const voidHold = (holdId: string): BatchItem => ({ type: 'VoidHold', holdId, reason: null });
export const expire = (holdId: string): DomainCommand => ({ type: 'ExpireHold', holdId });
export const reverse = (transactionId: string, amount: string | null = null, reversalId = next('rev')): DomainCommand => ({
  type: 'ReverseTransaction',
  reversalId,
  transactionId,
  amount,
  reason: 'customer dispute',
  metadata: {},
});
export const batch = (mode: 'atomic' | 'independent', items: BatchItem[], batchId = next('batch')): ExecuteBatch => ({ type: 'ExecuteBatch', batchId, mode, items });

export const T0 = '2026-01-01T00:00:00.000Z';
/** T0 plus some seconds, as an ISO instant. */
export const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();
