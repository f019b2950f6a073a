import { z } from '@hono/zod-openapi';
import { AMOUNT_PATTERN, SUPPORTED_CURRENCIES } from '../domain/money.ts';
import { PROBLEM_CODES } from './problem.ts';

/** Wire schemas: amounts are strings in plain decimal notation; numbers are refused. */
export const Amount = z
  .string({ error: 'must be a string with a plain decimal amount, such as "10.50"' })
  .regex(AMOUNT_PATTERN, 'must be a positive plain decimal such as "10.50" (no sign, exponent or spaces)')
  .openapi({ example: '125.00', description: 'Decimal string in the currency\'s scale (ISO 4217 minor units).' });

export const Currency = z
  .enum(SUPPORTED_CURRENCIES as [string, ...string[]], { error: 'must be a supported ISO 4217 currency code' })
  .openapi({ example: 'USD' });

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be an id of letters, digits, - and _');

export const Metadata = z
  .record(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'keys are 1-64 letters, digits, _ . : -'), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 32, 'at most 32 metadata keys')
  .openapi({ example: { customerRef: 'C-1042' } });

export const Reference = z.string().max(140).openapi({ example: 'invoice 2026-118' });

export const Channel = z.enum(['cash', 'wire', 'ach', 'card', 'check', 'internal', 'other']).openapi({ example: 'wire' });

export const AccountId = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '01936f5e-8a2b-7c3d-9e4f-0a1b2c3d4e5f' }) });

export const OpenAccountBody = z
  .object({
    currency: Currency,
    overdraftLimit: z
      .string({ error: 'must be a string with a plain decimal amount' })
      .regex(AMOUNT_PATTERN, 'must be a non-negative plain decimal such as "100.00"')
      .optional()
      .openapi({ example: '0.00' }),
    ownerId: z.string().min(1).max(64).optional().openapi({ example: 'customer-42' }),
    metadata: Metadata.optional(),
  })
  .strict()
  .openapi('OpenAccountRequest');

export const MovementBody = z
  .object({ amount: Amount, reference: Reference.optional(), channel: Channel.optional(), metadata: Metadata.optional() })
  .strict()
  .openapi('MovementRequest');

export const TransferBody = z
  .object({ fromAccountId: Id, toAccountId: Id, amount: Amount, reference: Reference.optional(), metadata: Metadata.optional() })
  .strict()
  .openapi('TransferRequest');

export const StatusChangeBody = z.object({ reason: z.string().max(280).optional() }).strict().openapi('StatusChangeRequest');

export const Position = z.number().int().openapi({ description: 'Position (offset) of the last event in its partition of the log.' });

export const Account = z
  .object({
    id: z.string(),
    currency: z.string(),
    status: z.enum(['open', 'frozen', 'closed']),
    balance: z.string(),
    /** What active holds reserve. */
    held: z.string(),
    /** balance − held + overdraftLimit (0 unless open). */
    available: z.string(),
    overdraftLimit: z.string(),
    ownerId: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    version: z.number().int(),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    updatedAt: z.string(),
    position: Position,
    partition: z.number().int(),
  })
  .openapi('Account');

export const Movement = z
  .object({
    transactionId: z.string(),
    type: z.enum(['deposit', 'withdrawal']),
    accountId: z.string(),
    amount: z.string(),
    currency: z.string(),
    balance: z.string(),
    reference: z.string().nullable(),
    channel: z.string().nullable(),
    occurredAt: z.string(),
    position: Position,
    partition: z.number().int(),
  })
  .openapi('Movement');

export const Transfer = z
  .object({
    transactionId: z.string(),
    fromAccountId: z.string(),
    toAccountId: z.string(),
    amount: z.string(),
    currency: z.string(),
    fromBalance: z.string(),
    toBalance: z.string(),
    reference: z.string().nullable(),
    occurredAt: z.string(),
    position: Position,
    partition: z.number().int(),
  })
  .openapi('Transfer');

export const StatusChange = z
  .object({ id: z.string(), status: z.enum(['open', 'frozen', 'closed']), version: z.number().int(), occurredAt: z.string(), position: Position, partition: z.number().int() })
  .openapi('AccountStatusChange');

export const JournalLine = z
  .object({
    transactionId: z.string(),
    kind: z.enum(['deposit', 'withdrawal', 'transfer_out', 'transfer_in', 'hold_capture_out', 'hold_capture_in', 'reversal_out', 'reversal_in']),
    amount: z.string().openapi({ description: 'Signed: credits positive, debits negative.' }),
    balanceAfter: z.string(),
    currency: z.string(),
    counterpartyAccountId: z.string().nullable(),
    reference: z.string().nullable(),
    occurredAt: z.string(),
    version: z.number().int(),
    position: Position,
  })
  .openapi('JournalLine');

export const JournalPage = z.object({ items: z.array(JournalLine), nextCursor: z.string().nullable() }).openapi('JournalPage');

export const Balance = z
  .object({ accountId: z.string(), currency: z.string(), balance: z.string(), asOf: z.string(), version: z.number().int(), position: z.number().int().nullable() })
  .openapi('Balance');

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(PROBLEM_CODES as [string, ...string[]]),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .openapi({ description: 'Same key and same body return the first result again; a different body gives 409.' }),
});

export const MinPositionQuery = z.object({
  minPosition: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'Wait until the read model reflects this log position (read your own writes).' }),
  partition: z.coerce.number().int().min(0).max(1023).optional(),
});

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: 'Problem details (RFC 9457)', content: { 'application/problem+json': { schema: Problem } } }]),
  );
