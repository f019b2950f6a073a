import { asc, inArray, sql } from 'drizzle-orm';
import type { CommandBus } from '../../commands/command-bus.ts';
import type { Db } from '../../db/client.ts';
import { fraudAlertOutbox, fraudAlertReactor } from '../../db/schema.ts';
import type { RaiseAlert } from '../../domain/alert/commands.ts';
import { DomainError } from '../../domain/errors.ts';
import type { CommandContext } from '../../engine/ledger-engine.ts';
import { sha256Hex } from '../../log/envelope.ts';

/**
 * The alert reactor: records the alerts the anomaly projector raised as AlertRaised events in the log
 * (so they stream over SSE and appear in the audit trail), by submitting RaiseAlert commands.
 *
 * - Exactly once: the command id is `raise-alert:<alert id>` (the alert id is rule + triggering event
 *   id), so a crash between submitting and forgetting, or two reactors, never raise twice: the engine's
 *   idempotency index answers the repeat with the first result.
 * - Rebuilds raise nothing: the projector writes the outbox in its transaction, a rebuild refills it
 *   from the start of the log, and the reactor drops whatever triggered at or below the mark it keeps
 *   per partition outside the projection's tables (fraud_alert_reactor). So alerts that a rebuild
 *   derives anew (changed rules, a fixed bug) stay in the read model and are not announced as news.
 */
export class AlertReactor {
  constructor(
    private readonly db: Db,
    private readonly commands: CommandBus,
  ) {}

  /** Submits what the outbox holds, oldest trigger first; returns how many alerts it recorded. */
  async drain(max = 500): Promise<number> {
    let raised = 0;
    for (;;) {
      const rows = await this.db.select().from(fraudAlertOutbox).orderBy(asc(fraudAlertOutbox.triggerPosition), asc(fraudAlertOutbox.alertId)).limit(max);
      if (!rows.length) return raised;
      const marks = new Map((await this.db.select().from(fraudAlertReactor)).map((r) => [r.partition, r.raisedUpTo]));
      const next = new Map<number, number>();
      for (const row of rows) {
        if (row.triggerPosition <= (marks.get(row.triggerPartition) ?? -1)) continue;
        await this.raise(row.command as unknown as RaiseAlert);
        raised++;
        next.set(row.triggerPartition, Math.max(next.get(row.triggerPartition) ?? -1, row.triggerPosition));
      }
      await this.db.transaction(async (tx) => {
        for (const [partition, position] of next) {
          await tx.insert(fraudAlertReactor).values({ partition, raisedUpTo: position }).onConflictDoUpdate({ target: fraudAlertReactor.partition, set: { raisedUpTo: sql`greatest(${fraudAlertReactor.raisedUpTo}, excluded.raised_up_to)` } });
        }
        await tx.delete(fraudAlertOutbox).where(inArray(fraudAlertOutbox.alertId, rows.map((r) => r.alertId)));
      });
    }
  }

  private async raise(command: RaiseAlert): Promise<void> {
    const commandId = `raise-alert:${command.alertId}`;
    const ctx: CommandContext = {
      commandId,
      requestHash: sha256Hex(commandId),
      correlationId: commandId,
      causationId: command.triggerEventId,
      actor: 'system:anomaly-detector',
      actorRole: 'admin',
      origin: { ip: null, userAgent: null, requestId: null },
    };
    try {
      await this.commands.execute(command, ctx);
    } catch (err) {
      // Raised under another command id before (cannot happen with these ids, but is no reason to stop).
      if (!(err instanceof DomainError && err.code === 'alert_exists')) throw err;
    }
  }
}
