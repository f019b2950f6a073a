import { eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { type CaseHistoryEntry, alerts, fraudCases } from '../../db/schema.ts';
import type { CaseEvent } from '../../domain/case/events.ts';
import type { StoredEvent } from '../../log/envelope.ts';

/** The case events of a batch, folded into fraud_cases in log order (and the alerts they group marked with the case). */
export async function applyCaseEvents(tx: Tx, events: ReadonlyArray<StoredEvent<CaseEvent>>): Promise<void> {
  for (const stored of events) {
    const e = stored as StoredEvent<CaseEvent>;
    const entry: CaseHistoryEntry = { type: e.type, at: stored.occurredAt, actor: stored.metadata.actor, data: e.data as unknown as Record<string, unknown>, eventId: stored.eventId, position: stored.position };
    const id = e.data.caseId;
    if (e.type === 'CaseOpened') {
      const d = e.data;
      await tx
        .insert(fraudCases)
        .values({ id, ownerId: d.ownerId, status: 'open', alertIds: d.alertIds, assignee: d.assignee, dueAt: d.dueAt, decision: null, sarReference: null, frozenAccounts: [], openedBy: stored.metadata.actor, openedAt: stored.occurredAt, updatedAt: stored.occurredAt, history: [entry], partition: stored.partition, position: stored.position })
        .onConflictDoNothing();
      await markAlerts(tx, id, d.alertIds);
      continue;
    }
    await tx
      .update(fraudCases)
      .set({ ...changeOf(e), updatedAt: stored.occurredAt, history: sql`${fraudCases.history} || ${JSON.stringify([entry])}::jsonb` })
      .where(eq(fraudCases.id, id));
    if (e.type === 'CaseAlertsAdded') await markAlerts(tx, id, e.data.alertIds);
  }
}

function changeOf(e: CaseEvent): Partial<typeof fraudCases.$inferInsert> | Record<string, unknown> {
  switch (e.type) {
    case 'CaseAlertsAdded':
      return { alertIds: sql`${fraudCases.alertIds} || ${sql`array[${sql.join(e.data.alertIds.map((a) => sql`${a}`), sql`, `)}]::text[]`}` };
    case 'CaseAssigned':
      return { assignee: e.data.assignee };
    case 'CaseDueDateSet':
      return { dueAt: e.data.dueAt };
    case 'CaseDecided':
      return { status: 'decided', decision: e.data.decision, sarReference: e.data.sarReference };
    case 'CaseAccountFrozen':
      return { frozenAccounts: sql`array_append(array_remove(${fraudCases.frozenAccounts}, ${e.data.accountId}), ${e.data.accountId})` };
    case 'CaseAccountUnfrozen':
      return { frozenAccounts: sql`array_remove(${fraudCases.frozenAccounts}, ${e.data.accountId})` };
    default:
      return {};
  }
}

async function markAlerts(tx: Tx, caseId: string, alertIds: readonly string[]): Promise<void> {
  if (alertIds.length) await tx.update(alerts).set({ caseId }).where(inArray(alerts.id, [...alertIds]));
}
