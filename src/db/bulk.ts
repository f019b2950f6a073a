import { type SQL, getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.ts';

/**
 * Inserts many rows in one statement with one parameter: the rows travel as a JSON array and
 * `jsonb_to_recordset` turns them back into typed columns. One round trip and almost no
 * query-building work per row, whatever the batch size (a multi-row VALUES list costs a parameter
 * per cell and, through the query builder, a lot of CPU per row).
 *
 * Values go through JSON: strings, numbers, booleans, null, plain objects for jsonb columns, and
 * Dec (decimal.js serialises to an exact decimal string, cast back to numeric). `tail` is appended
 * as is, e.g. sql`on conflict (id) do nothing`.
 */
export async function insertMany<T extends PgTable>(tx: Executor, table: T, rows: ReadonlyArray<T['$inferInsert']>, tail: SQL = sql``): Promise<void> {
  if (rows.length === 0) return;
  const columns = getTableColumns(table);
  const present = new Set<string>();
  for (const row of rows) for (const [key, value] of Object.entries(row as Record<string, unknown>)) if (value !== undefined) present.add(key);
  const used = Object.entries(columns).filter(([key]) => present.has(key));
  const json = JSON.stringify(
    rows.map((row) => {
      const r = row as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [key, column] of used) out[column.name] = r[key] ?? null;
      return out;
    }),
  );
  const names = sql.raw(used.map(([, c]) => `"${c.name}"`).join(', '));
  const types = sql.raw(used.map(([, c]) => `"${c.name}" ${c.getSQLType()}`).join(', '));
  await tx.execute(sql`insert into ${sql.raw(`"${getTableName(table)}"`)} (${names}) select ${names} from jsonb_to_recordset(${json}::jsonb) as x(${types}) ${tail}`);
}
