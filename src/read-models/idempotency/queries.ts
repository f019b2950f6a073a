import { sql } from 'drizzle-orm';
import { assert } from '../../assert.ts';
import { type Executor, rowsOf } from '../../db/client.ts';
import { REFUSAL_PRECEDENCE, type DomainErrorCode } from '../../domain/errors.ts';
import type { CommandTable, IndexedEvent } from '../../engine/idempotency-index.ts';
import { IDEMPOTENCY_PROJECTION } from './projection.ts';

type Row = [partition: number, position: number, commandId: string, requestHash: string, code: string | null, message: string | null, field: string | null];

const CODES: ReadonlySet<string> = new Set(REFUSAL_PRECEDENCE);

function indexedEvent([partition, position, commandId, requestHash, code, message, field]: Row): IndexedEvent {
  assert(code === null || CODES.has(code), () => `idempotency_keys holds an unknown refusal code ${code} at ${partition}/${position}`);
  return { commandId, requestHash, partition, position, refusal: code === null ? null : { code: code as DomainErrorCode, message: message ?? '', field } };
}

/** The engine's look into the table: the command ids' rows and the projection's checkpoints, in one statement (one snapshot). */
export type IdempotencyQueries = CommandTable;

export function idempotencyQueries(db: Executor, partitions: number): IdempotencyQueries {
  return {
    async lookup(commandIds) {
      const [result] = rowsOf<{ checkpoints: Record<string, number>; rows: Row[] }>(
        await db.execute(sql`
          select
            (select coalesce(jsonb_object_agg(c.partition, c.position), '{}'::jsonb) from projection_checkpoints c where c.projection = ${IDEMPOTENCY_PROJECTION}) as checkpoints,
            (select coalesce(jsonb_agg(jsonb_build_array(k.partition, k.position, k.command_id, k.request_hash, k.refusal_code, k.refusal_message, k.refusal_field) order by k.partition, k.position), '[]'::jsonb)
               from idempotency_keys k where k.command_id = any(${sql.param(commandIds)}::text[])) as rows`),
      );
      assert(result, 'the idempotency lookup returns one row');
      const checkpoints = Array.from({ length: partitions }, (_, p) => Number(result.checkpoints[String(p)] ?? -1));
      return { checkpoints, rows: result.rows.map(indexedEvent) };
    },
  };
}
