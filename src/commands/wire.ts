import { DomainError, type DomainErrorCode } from '../domain/errors.ts';
import { AppError, type AppErrorCode } from '../errors.ts';
import type { CommandContext, EngineCommand, ExecuteResult } from '../engine/ledger-engine.ts';
import type { StoredEvent } from '../log/envelope.ts';
import { LogUnavailableError } from '../log/event-log.ts';

/** A command on `ledger.commands` (or a row of `command_inbox`): who to answer, by when, and the command with its envelope metadata. */
export interface CommandMessage {
  v: 1;
  requestId: string;
  replyTo: string;
  /** Epoch ms after which the engine must not apply the command: the API has given up waiting. */
  deadline: number;
  command: EngineCommand;
  ctx: CommandContext;
}

/** Extra time a batch gets per item (8,190 items: ~16 s more, still inside the HTTP request timeout of 30 s). */
const BATCH_ITEM_MS = 2;

/** A batch's decision, append and reply grow with its items: its deadline does too. */
export function batchAllowanceMs(command: EngineCommand): number {
  return command.type === 'ExecuteBatch' ? command.items.length * BATCH_ITEM_MS : 0;
}

/** A reply on `ledger.replies`. */
export type ReplyMessage =
  | { v: 1; requestId: string; replyTo: string; ok: true; events: StoredEvent[]; replayed: boolean }
  | { v: 1; requestId: string; replyTo: string; ok: false; error: WireError };

type WireError =
  | { kind: 'domain'; code: DomainErrorCode; message: string; field?: string }
  | { kind: 'app'; code: AppErrorCode; message: string; field?: string }
  | { kind: 'unavailable' | 'expired' | 'internal'; message: string };

export function replyFor(msg: CommandMessage, outcome: PromiseSettledResult<ExecuteResult>): ReplyMessage {
  const base = { v: 1 as const, requestId: msg.requestId, replyTo: msg.replyTo };
  if (outcome.status === 'fulfilled') return { ...base, ok: true, events: outcome.value.events, replayed: outcome.value.replayed };
  const err = outcome.reason as unknown;
  if (err instanceof DomainError) return { ...base, ok: false, error: { kind: 'domain', code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
  if (err instanceof LogUnavailableError) return { ...base, ok: false, error: { kind: 'unavailable', message: err.message } };
  if (err instanceof AppError) return { ...base, ok: false, error: { kind: 'app', code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
  return { ...base, ok: false, error: { kind: 'internal', message: 'the engine failed to process the command' } };
}

/** Turns a reply back into what the in-process engine would have returned or thrown. */
export function resultOf(reply: ReplyMessage): ExecuteResult {
  if (reply.ok) return { events: reply.events, replayed: reply.replayed };
  const e = reply.error;
  if (e.kind === 'domain') throw new DomainError(e.code, e.message, e.field);
  if (e.kind === 'app') throw new AppError(e.code, e.message, e.field);
  if (e.kind === 'unavailable' || e.kind === 'expired') throw new LogUnavailableError(e.message);
  throw new Error(e.message);
}
