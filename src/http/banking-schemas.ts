import { z } from '@hono/zod-openapi';
import { MAX_HOLD_TIMEOUT_SECONDS } from '../domain/hold/commands.ts';
import { MAX_BATCH_ITEMS } from '../domain/batch/commands.ts';
import { MAX_REASON_LENGTH } from '../domain/transaction/commands.ts';
import { Amount, Channel, Id, Metadata, Position, Reference } from './schemas.ts';

/** Wire schemas of holds, reversals and batches (issue 12). */

export const HoldIdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '01936f5e-8a2b-7c3d-9e4f-0a1b2c3d4e5f' }) });

export const PlaceHoldBody = z
  .object({
    accountId: Id,
    amount: Amount,
    counterpartyAccountId: Id.optional().openapi({ description: 'Who receives what is captured; without one, captured funds leave the ledger like a withdrawal.' }),
    timeoutSeconds: z.number().int().min(1).max(MAX_HOLD_TIMEOUT_SECONDS).optional().openapi({ description: 'The engine voids the hold (HoldExpired) once this many seconds have passed.' }),
    reference: Reference.optional(),
    metadata: Metadata.optional(),
  })
  .strict()
  .openapi('PlaceHoldRequest');

export const CaptureBody = z
  .object({ amount: Amount.optional().openapi({ description: 'Default: everything that remains.' }), reference: Reference.optional(), metadata: Metadata.optional() })
  .strict()
  .openapi('CaptureHoldRequest');

export const VoidBody = z.object({ reason: z.string().max(280).optional() }).strict().openapi('VoidHoldRequest');

export const Hold = z
  .object({
    id: z.string(),
    accountId: z.string(),
    counterpartyAccountId: z.string().nullable(),
    status: z.enum(['active', 'captured', 'voided', 'expired']),
    amount: z.string(),
    captured: z.string(),
    remaining: z.string(),
    currency: z.string(),
    expiresAt: z.string().nullable(),
    reference: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    placedAt: z.string(),
    updatedAt: z.string(),
    position: Position,
  })
  .openapi('Hold');

export const HoldList = z.object({ items: z.array(Hold), nextCursor: z.string().nullable() }).openapi('HoldList');

export const HoldStep = z
  .object({
    holdId: z.string(),
    step: z.enum(['captured', 'voided']),
    transactionId: z.string().nullable().openapi({ description: 'A capture\'s own transaction (what a reversal names).' }),
    amount: z.string().openapi({ description: 'Captured or released by this step.' }),
    currency: z.string(),
    captured: z.string().nullable().openapi({ description: 'A capture: the hold\'s captured total after it.' }),
    occurredAt: z.string(),
    position: Position,
    partition: z.number().int(),
  })
  .openapi('HoldStep');

export const ReversalBody = z
  .object({ amount: Amount.optional().openapi({ description: 'Default: everything not yet reversed.' }), reason: z.string().min(1).max(MAX_REASON_LENGTH), metadata: Metadata.optional() })
  .strict()
  .openapi('ReversalRequest');

export const TransactionIdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) });

export const Reversal = z
  .object({
    id: z.string(),
    reversalOf: z.string(),
    amount: z.string(),
    currency: z.string(),
    reason: z.string(),
    /** The original's payee, debited back (null: the original came from outside). */
    debitedAccountId: z.string().nullable(),
    creditedAccountId: z.string().nullable(),
    occurredAt: z.string(),
    position: Position,
    partition: z.number().int(),
  })
  .openapi('Reversal');

const money = { amount: Amount, reference: Reference.optional(), metadata: Metadata.optional() };
export const BatchItemBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('transfer'), fromAccountId: Id, toAccountId: Id, ...money }).strict(),
  z.object({ type: z.literal('deposit'), accountId: Id, channel: Channel.optional(), ...money }).strict(),
  z.object({ type: z.literal('withdrawal'), accountId: Id, channel: Channel.optional(), ...money }).strict(),
  z
    .object({ type: z.literal('hold'), holdId: Id.optional().openapi({ description: 'Default: generated; a later item of the batch can capture it by this id.' }), accountId: Id, counterpartyAccountId: Id.optional(), timeoutSeconds: z.number().int().min(1).max(MAX_HOLD_TIMEOUT_SECONDS).optional(), ...money })
    .strict(),
  z.object({ type: z.literal('capture'), holdId: Id, amount: Amount.optional(), reference: Reference.optional(), metadata: Metadata.optional() }).strict(),
  z.object({ type: z.literal('void'), holdId: Id, reason: z.string().max(280).optional() }).strict(),
]);
export type BatchItemInput = z.infer<typeof BatchItemBody>;

export const BatchBody = z
  .object({ mode: z.enum(['atomic', 'independent']), items: z.array(BatchItemBody).min(1).max(MAX_BATCH_ITEMS) })
  .strict()
  .openapi('BatchRequest');

export const BatchItemResult = z
  .object({
    index: z.number().int(),
    status: z.enum(['accepted', 'refused']),
    /** Accepted: the transaction's or hold's id. */
    id: z.string().nullable(),
    code: z.string().nullable(),
    message: z.string().nullable(),
    field: z.string().nullable(),
  })
  .openapi('BatchItemResult');

export const Batch = z
  .object({ id: z.string(), mode: z.enum(['atomic', 'independent']), accepted: z.number().int(), refused: z.number().int(), items: z.array(BatchItemResult), position: Position })
  .openapi('Batch');
