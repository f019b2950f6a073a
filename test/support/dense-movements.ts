import type { StoredEvent } from '../../src/log/envelope.ts';

/**
 * Dense windows for the anomaly projector: thousands of movements between a handful of accounts
 * within minutes, every one inside the others' windows (the shape of a batch command of 8,190
 * transfers). Pure: the same arguments give the same events.
 */
export interface DenseOptions {
  /** Accounts (ids acct-0…); each opens, is funded with `deposit`, then they transfer round-robin. */
  accounts: number;
  transfers: number;
  /** Amount of every transfer (decimal string). */
  amount: string;
  deposit: string;
  /** Milliseconds between two transfers. */
  stepMs?: number;
  /** Transfer from account i to i + 1 (round robin) when true, else always acct-0 → acct-1. */
  ring?: boolean;
  start?: string;
}

const metadata = { commandId: 'c', requestHash: 'h', correlationId: 'c', causationId: null, actor: 'bench', actorRole: 'admin' as const, origin: { ip: null, userAgent: null, requestId: null } };

export function denseMovements(o: DenseOptions): StoredEvent[] {
  const start = Date.parse(o.start ?? '2025-01-01T00:00:00.000Z');
  const step = o.stepMs ?? 10;
  const cents = (s: string): bigint => BigInt(s.replace('.', ''));
  const fmt = (c: bigint): string => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
  const events: StoredEvent[] = [];
  let t = start;
  const at = (): string => new Date(t).toISOString();
  const push = (type: string, streamId: string, data: Record<string, unknown>): void => {
    const n = events.length;
    events.push({ eventId: `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`, streamId, streamVersion: n, partition: 0, position: n, occurredAt: at(), metadata, prevHash: '', hash: '', type, data } as unknown as StoredEvent);
  };
  const ids = Array.from({ length: o.accounts }, (_, i) => `acct-${i}`);
  const balance = new Map<string, bigint>();
  for (const id of ids) {
    push('AccountOpened', id, { accountId: id, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} });
    balance.set(id, cents(o.deposit));
    push('FundsDeposited', id, { accountId: id, transactionId: `d-${id}`, amount: o.deposit, currency: 'USD', balanceAfter: o.deposit, reference: null, metadata: {}, channel: null });
    t += step;
  }
  const amount = cents(o.amount);
  for (let i = 0; i < o.transfers; i++) {
    const from = o.ring ? ids[i % ids.length]! : ids[0]!;
    const to = o.ring ? ids[(i + 1) % ids.length]! : ids[1]!;
    const a = balance.get(from)! - amount;
    const b = balance.get(to)! + amount;
    balance.set(from, a);
    balance.set(to, b);
    const base = { transactionId: `t-${i}`, amount: o.amount, currency: 'USD', reference: null, metadata: {} };
    push('TransferDebited', from, { ...base, accountId: from, balanceAfter: fmt(a), counterpartyAccountId: to });
    push('TransferCredited', to, { ...base, accountId: to, balanceAfter: fmt(b), counterpartyAccountId: from });
    t += step;
  }
  return events;
}
