import type { AlertLite } from '../../src/demo/fraud-population-driver.ts';
import type { Op, Population } from '../../src/demo/fraud-population.ts';
import { FraudConfig } from '../../src/domain/fraud/index.ts';
import { Dec } from '../../src/domain/money.ts';
import type { EventMetadata, StoredEvent } from '../../src/log/envelope.ts';
import { evaluateBatch } from '../../src/read-models/anomaly/evaluate.ts';
import type { Windows } from '../../src/read-models/anomaly/windows.ts';

/** The anomaly projector's evaluation step over a population's operations, in memory (bench/fraud-offline.ts). */

const META: EventMetadata = { commandId: 'c', requestHash: 'h', correlationId: 'c', causationId: null, actor: 'bench', actorRole: 'admin', origin: { ip: null, userAgent: null, requestId: null } };

/** The account events the engine would write for the operations (ids are the logical keys); refused operations are skipped. */
export function eventsOf(ops: readonly Op[]): StoredEvent[] {
  const events: StoredEvent[] = [];
  const balance = new Map<string, Dec>();
  let n = 0;
  const push = (type: string, data: Record<string, unknown>, at: number) => {
    const accountId = data['accountId'] as string;
    events.push({ eventId: `e${n}`, streamId: accountId, streamVersion: 0, partition: 0, occurredAt: new Date(at).toISOString(), metadata: META, prevHash: '', hash: '', position: n++, type, data } as unknown as StoredEvent);
  };
  const move = (accountId: string, delta: Dec): string => {
    const after = (balance.get(accountId) ?? new Dec(0)).plus(delta);
    balance.set(accountId, after);
    return after.toFixed(2);
  };
  ops.forEach((op, i) => {
    const transactionId = `t${i}`;
    if (op.kind === 'open') {
      balance.set(op.account, new Dec(0));
      push('AccountOpened', { accountId: op.account, currency: 'USD', overdraftLimit: '0.00', ownerId: op.ownerId, metadata: {} }, op.at);
      return;
    }
    const amount = new Dec(op.amount);
    const common = { transactionId, amount: op.amount, currency: 'USD' };
    if (op.kind === 'deposit') return push('FundsDeposited', { ...common, accountId: op.account, channel: op.channel, balanceAfter: move(op.account, amount) }, op.at);
    if (amount.gt(balance.get(op.account) ?? 0)) return;
    if (op.kind !== 'transfer') return push('FundsWithdrawn', { ...common, accountId: op.account, channel: op.channel, balanceAfter: move(op.account, amount.neg()) }, op.at);
    push('TransferDebited', { ...common, accountId: op.account, counterpartyAccountId: op.to, balanceAfter: move(op.account, amount.neg()) }, op.at);
    push('TransferCredited', { ...common, accountId: op.to, counterpartyAccountId: op.account, balanceAfter: move(op.to, amount) }, op.at);
  });
  return events;
}

export interface OfflineAlert extends AlertLite {
  evidence: Array<{ accountId: string; kind: string; amount: string; occurredAt: string }>;
}

/** Every event through the projector's evaluation in one batch, from empty windows. */
export function replay(pop: Population, config = new FraudConfig()): { alerts: OfflineAlert[]; windows: Windows } {
  const windows: Windows = { profiles: new Map(), recent: new Map(), ownerCash: new Map(), paid: new Set(), tags: new Map(), population: new Map(), openAlerts: new Map(), risk: new Map(), firstContact: new Map() };
  const events = eventsOf(pop.ops);
  for (const op of pop.ops) if (op.kind === 'open') windows.ownerCash.set(op.ownerId, []);
  const changes = evaluateBatch(events, windows, config, { lookBackMs: config.maxWindowMs(), takeoverWindowMs: config.takeoverWindowMs() }, events[0]!.occurredAt);
  const alerts = [...changes.newAlerts.values()].map((a) => ({ id: a.id, rule: a.rule, accountIds: a.accountIds, evidence: a.evidence ?? [] }));
  return { alerts, windows };
}

