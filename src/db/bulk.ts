import { type SQL, getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.ts';

/** A table's columns as [property key, column], computed once per table. */
const columnsOf = new WeakMap<PgTable, ReadonlyArray<readonly [string, PgColumn]>>();

/**
 * Inserts many rows in one statement with one parameter: the rows travel as a JSON array and
 * `json_to_recordset` turns them back into typed columns. One round trip and almost no
 * query-building work per row, whatever the batch size (a multi-row VALUES list costs a parameter
 * per cell and, through the query builder, a lot of CPU per row).
 *
 * The rows are serialised as they are (keyed by their property names, which the record's column
 * definitions name), so no object is built per row. `json`, not `jsonb`: the server parses the text
 * once while it fills the records, instead of first building (and key-sorting) a jsonb tree of the
 * whole batch: ~16% less server CPU for a batch of journal rows (BENCHMARKS.md).
 *
 * Values go through JSON: strings, numbers, booleans, null, plain objects for jsonb columns, and
 * Dec (decimal.js serialises to an exact decimal string, cast back to numeric). A column that no row
 * sets is left out (its default applies); in a row that leaves out a column another row sets, it is
 * null. `tail` is appended as is, e.g. sql`on conflict (id) do nothing`.
 */
export async function insertMany<T extends PgTable>(tx: Executor, table: T, rows: ReadonlyArray<T['$inferInsert']>, tail: SQL = sql``): Promise<void> {
  if (rows.length === 0) return;
  const used = presentColumns(table, rows as ReadonlyArray<Record<string, unknown>>);
  const names = sql.raw(used.map(([, c]) => `"${c.name}"`).join(', '));
  const keys = sql.raw(used.map(([key]) => `"${key}"`).join(', '));
  const types = sql.raw(used.map(([key, c]) => `"${key}" ${c.getSQLType()}`).join(', '));
  const json = JSON.stringify(rows);
  await tx.execute(sql`insert into ${sql.raw(`"${getTableName(table)}"`)} (${names}) select ${keys} from json_to_recordset(${json}::json) as x(${types}) ${tail}`);
}

/** The table's columns that at least one row sets (not undefined). */
function presentColumns(table: PgTable, rows: ReadonlyArray<Record<string, unknown>>): Array<readonly [string, PgColumn]> {
  let all = columnsOf.get(table);
  if (!all) {
    all = Object.entries(getTableColumns(table));
    columnsOf.set(table, all);
  }
  return all.filter(([key]) => rows.some((row) => row[key] !== undefined));
}
