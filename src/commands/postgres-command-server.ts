import type postgres from 'postgres';
import { newId } from '../ids.ts';
import { LogUnavailableError } from '../log/event-log.ts';
import type { CommandBus } from './command-bus.ts';
import { coalesced } from './coalesced.ts';
import { COMMANDS_CHANNEL, REPLIES_CHANNEL } from './postgres-command-bus.ts';
import { type CommandMessage, type ReplyMessage, replyFor } from './wire.ts';

/** Most rows taken per look (the rest at once after): they are handed to the engine together, one group commit. */
const CLAIM_MAX = 1000;
/** Looks without a NOTIFY too: rows inserted while the listening connection was down, or given back by a writer that stepped down. */
const POLL_MS = 1000;
/** Rows of senders that died are deleted this long after their deadline. */
const SWEEP_MS = 30_000;

/** The writer's engine, as the server sees it. */
export interface Writer extends CommandBus {
  readonly isWriter: boolean;
}

type Claimed = { request_id: string; message: string; live: boolean };

/**
 * The writer side of request/response over PostgreSQL (see PostgresCommandBus): runs while this
 * process's engine holds the writer lease. It takes the rows of `command_inbox` no live server took
 * (a row taken by a writer that is gone is taken again: the command id makes a second execution answer
 * the first result), hands them to the engine at once, and writes each reply into its row with a
 * NOTIFY to the instance waiting for it. A command whose deadline passed is not applied (its sender
 * gave up); one the engine refused only because it is no longer the writer is given back untouched,
 * for the next writer.
 */
export class PostgresCommandServer {
  private readonly instanceId = `writer-${newId()}`;
  private readonly claim: () => void;
  private readonly flush: () => void;
  private replies: Array<{ requestId: string; reply: string }> = [];
  private readonly running = new Set<Promise<void>>();
  private unlisten: (() => Promise<void>) | null = null;
  private timers: NodeJS.Timeout[] = [];
  private open = false;

  constructor(
    private readonly engine: Writer,
    private readonly sql: postgres.Sql,
    onError: (err: unknown) => void = () => {},
  ) {
    this.claim = coalesced(() => this.claimAndRun(), onError);
    this.flush = coalesced(() => this.writeReplies(), onError);
  }

  async start(): Promise<this> {
    this.open = true;
    const sub = await this.sql.listen(COMMANDS_CHANNEL, () => this.claim(), () => this.claim());
    this.unlisten = () => sub.unlisten();
    const sweep = () => void this.sql`delete from command_inbox where deadline < clock_timestamp() - interval '1 minute'`.catch(() => {});
    this.timers = [setInterval(() => (this.claim(), this.flush()), POLL_MS), setInterval(sweep, SWEEP_MS)];
    for (const timer of this.timers) timer.unref();
    return this;
  }

  private async claimAndRun(): Promise<void> {
    if (!this.open || !this.engine.isWriter) return;
    const rows = await this.sql<Claimed[]>`
      update command_inbox set claimed_by = ${this.instanceId}
      where request_id in (
        select request_id from command_inbox
        where reply is null and claimed_by is distinct from ${this.instanceId}
        order by created_at limit ${CLAIM_MAX} for update skip locked)
      returning request_id, message, deadline > clock_timestamp() as live`;
    for (const row of rows) {
      const run = this.run(row).finally(() => this.running.delete(run));
      this.running.add(run);
    }
    if (rows.length === CLAIM_MAX) this.claim();
  }

  private async run(row: Claimed): Promise<void> {
    const msg = JSON.parse(row.message) as CommandMessage;
    if (!row.live) {
      return this.answer({ v: 1, requestId: msg.requestId, replyTo: msg.replyTo, ok: false, error: { kind: 'expired', message: 'the command reached the writer after its deadline; it was not applied' } });
    }
    const [settled] = await Promise.allSettled([this.engine.execute(msg.command, msg.ctx)]);
    if (settled!.status === 'rejected' && settled!.reason instanceof LogUnavailableError && (!this.open || !this.engine.isWriter)) return this.giveBack(row.request_id);
    this.answer(replyFor(msg, settled!));
  }

  private answer(reply: ReplyMessage): void {
    this.replies.push({ requestId: reply.requestId, reply: JSON.stringify(reply) });
    this.flush();
  }

  /** One statement for every reply ready: written into their rows (first reply wins), one NOTIFY per waiting instance. */
  private async writeReplies(): Promise<void> {
    const batch = this.replies.splice(0);
    if (batch.length === 0) return;
    try {
      await this.sql`
        with answered as (
          update command_inbox c set reply = r.reply
          from unnest(${batch.map((r) => r.requestId)}::uuid[], ${batch.map((r) => r.reply)}::text[]) as r(id, reply)
          where c.request_id = r.id and c.reply is null
          returning c.reply_to)
        select pg_notify(${REPLIES_CHANNEL}, reply_to) from (select distinct reply_to from answered) waiting`;
    } catch (err) {
      // The database is out of reach: kept for the next flush (the poll), unless their senders gave up meanwhile.
      this.replies.unshift(...batch);
      throw err;
    }
  }

  /** This engine stepped down before deciding the command: the row is left for the next writer. */
  private async giveBack(requestId: string): Promise<void> {
    await this.sql`
      with freed as (update command_inbox set claimed_by = null where request_id = ${requestId} and claimed_by = ${this.instanceId} returning 1)
      select pg_notify(${COMMANDS_CHANNEL}, '') from freed`.catch(() => {});
  }

  /** Takes no more rows; the commands already taken are answered first. */
  async close(): Promise<void> {
    this.open = false;
    for (const timer of this.timers) clearInterval(timer);
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
    await Promise.allSettled([...this.running]);
    await this.writeReplies().catch(() => {});
  }
}
