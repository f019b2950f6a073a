import type postgres from 'postgres';
import { newId } from '../ids.ts';
import type { CommandContext, EngineCommand, ExecuteResult } from '../engine/ledger-engine.ts';
import { LogUnavailableError } from '../log/event-log.ts';
import type { CommandBus } from './command-bus.ts';
import { coalesced } from './coalesced.ts';
import { type CommandMessage, type ReplyMessage, batchAllowanceMs, resultOf } from './wire.ts';

/** NOTIFY channels: a command was inserted (payload empty); a reply was written (payload: the instance it is for). */
export const COMMANDS_CHANNEL = 'ledger_commands';
export const REPLIES_CHANNEL = 'ledger_replies';

/** While anything waits, look for replies this often too: a NOTIFY lost while the listening connection was down. */
const REPLY_POLL_MS = 1000;

export interface PostgresCommandBusOptions {
  /** How long a command waits for the writer's answer (ms), before a batch's allowance. */
  timeoutMs?: number;
  /** The most any command waits, a batch included (below the HTTP request timeout, so the 503 is the bus's). */
  maxWaitMs?: number;
}

interface Waiting {
  resolve: (r: ExecuteResult) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * The API side of request/response over PostgreSQL (the writer side is PostgresCommandServer): a
 * command becomes a row of `command_inbox` (the wire codec's message) and a NOTIFY wakes the writer,
 * whichever process holds the lease now; its reply comes back in the same row with a NOTIFY naming
 * this instance, and the row is deleted as the reply is read. No address, port or secret of the writer
 * is needed: only the database every process already shares.
 *
 * While no writer is active (a takeover), the row waits: the next writer serves it when it takes
 * over. A command not answered within its time answers LogUnavailableError (503): its row is deleted
 * if still unclaimed; if the writer took it already it may still be applied, and a retry under the
 * same Idempotency-Key (the command id travels in the message) answers its first result.
 */
export class PostgresCommandBus implements CommandBus {
  readonly instanceId = `api-${newId()}`;
  private readonly pending = new Map<string, Waiting>();
  private readonly fetchReplies = coalesced(() => this.readReplies());
  private unlisten: (() => Promise<void>) | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly timeoutMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly sql: postgres.Sql,
    options: PostgresCommandBusOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY;
  }

  async start(): Promise<this> {
    const sub = await this.sql.listen(
      REPLIES_CHANNEL,
      (to) => to === this.instanceId && this.fetchReplies(),
      () => this.fetchReplies(),
    );
    this.unlisten = () => sub.unlisten();
    this.poll = setInterval(() => this.pending.size > 0 && this.fetchReplies(), REPLY_POLL_MS);
    this.poll.unref();
    return this;
  }

  async execute(command: EngineCommand, ctx: CommandContext): Promise<ExecuteResult> {
    if (!this.unlisten) throw new LogUnavailableError('the command bus is not started');
    const requestId = newId();
    const waitMs = Math.min(this.timeoutMs + batchAllowanceMs(command), this.maxWaitMs);
    const message: CommandMessage = { v: 1, requestId, replyTo: this.instanceId, deadline: Date.now() + waitMs, command, ctx };
    const answer = new Promise<ExecuteResult>((resolve, reject) => {
      const timer = setTimeout(() => void this.giveUp(requestId), waitMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
    try {
      await this.sql`
        with sent as (
          insert into command_inbox (request_id, reply_to, message, deadline)
          values (${requestId}, ${this.instanceId}, ${JSON.stringify(message)}, clock_timestamp() + ${waitMs} * interval '1 millisecond')
          returning 1)
        select pg_notify(${COMMANDS_CHANNEL}, '') from sent`;
    } catch (err) {
      this.settle(requestId, { error: new LogUnavailableError(`could not pass the command to the writer: ${(err as Error).message}`, { cause: err }) });
    }
    return answer;
  }

  /** Takes every reply written for a command waiting here (deleting its row) and answers it. */
  private async readReplies(): Promise<void> {
    const ids = [...this.pending.keys()];
    if (ids.length === 0) return;
    const rows = await this.sql<Array<{ request_id: string; reply: string }>>`
      delete from command_inbox where request_id = any(${ids}::uuid[]) and reply is not null returning request_id, reply`;
    for (const row of rows) this.settle(row.request_id, { reply: JSON.parse(row.reply) as ReplyMessage });
  }

  /** Out of time: the row is withdrawn (a reply that just arrived is still taken), else 503. */
  private async giveUp(requestId: string): Promise<void> {
    const rows = await this.sql<Array<{ reply: string | null; claimed_by: string | null }>>`
      delete from command_inbox where request_id = ${requestId} returning reply, claimed_by`.catch(() => []);
    const row = rows[0];
    if (row?.reply) return this.settle(requestId, { reply: JSON.parse(row.reply) as ReplyMessage });
    const fate = row && !row.claimed_by ? 'no writer took it: it was not applied' : 'a writer took it and may still apply it';
    this.settle(requestId, { error: new LogUnavailableError(`the writer did not answer in time (${fate}); retry with the same Idempotency-Key`) });
  }

  private settle(requestId: string, outcome: { reply: ReplyMessage } | { error: unknown }): void {
    const waiting = this.pending.get(requestId);
    if (!waiting) return;
    this.pending.delete(requestId);
    clearTimeout(waiting.timer);
    if ('error' in outcome) return waiting.reject(outcome.error);
    try {
      waiting.resolve(resultOf(outcome.reply));
    } catch (err) {
      waiting.reject(err);
    }
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    for (const id of [...this.pending.keys()]) this.settle(id, { error: new LogUnavailableError('the API node is shutting down') });
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
  }
}
