import { type SQL, getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.ts';

/** A table's columns as [property key, column], computed once per table. */
const columnsOf = new WeakMap<PgTable, ReadonlyArray<readonly [string, PgColumn]>>();

/**
 * Inserts many rows in one statement with one parameter: the rows travel as a JSON array of arrays
 * (each row its values in the order of the columns named) and `jsonb_array_elements` turns them back
 * into typed columns. One round trip and almost no query-building work per row, whatever the batch
 * size (a multi-row VALUES list costs a parameter per cell and, through the query builder, a lot of
 * CPU per row).
 *
 * Arrays, not objects keyed by property name for `json_to_recordset`: the keys were a third of the
 * text (serialised, sent and parsed by the server for every row), and json_to_recordset parses the
 * text twice (the json input check, then the records) and builds a hash table of each row's keys.
 * `jsonb`, not `json`: `->>` on a json array lexes it again up to the item for every column (2–3×
 * json_to_recordset's server time for 1,000 audit rows), on jsonb it indexes the parsed array, and an
 * array of arrays has no keys to sort (BENCHMARKS.md, branch service-cpu).
 *
 * Values go through JSON: strings, numbers, booleans, null, plain objects for jsonb columns, arrays
 * for array columns, and Dec (decimal.js serialises to an exact decimal string, cast back to
 * numeric). A column that no row sets is left out (its default applies); in a row that leaves out a
 * column another row sets, it is null (JSON.stringify writes an undefined array item as null). `tail`
 * is appended as is, e.g. sql`on conflict (id) do nothing`.
 */
export async function insertMany<T extends PgTable>(tx: Executor, table: T, rows: ReadonlyArray<T['$inferInsert']>, tail: SQL = sql``): Promise<void> {
  if (rows.length === 0) return;
  const used = presentColumns(table, rows as ReadonlyArray<Record<string, unknown>>);
  const names = sql.raw(used.map(([, c]) => `"${c.name}"`).join(', '));
  const values = sql.raw(used.map(([, c], i) => fieldOf(c.getSQLType(), i)).join(', '));
  const json = JSON.stringify((rows as ReadonlyArray<Record<string, unknown>>).map((row) => used.map(([key]) => row[key])));
  await tx.execute(sql`insert into ${sql.raw(`"${getTableName(table)}"`)} (${names}) select ${values} from jsonb_array_elements(${json}::jsonb) as r ${tail}`);
}

/**
 * Item `i` of the row `r` as a value of the column's SQL type, as json_to_recordset would give it: a
 * JSON null is SQL NULL (for json and jsonb columns too, which `->` alone would make a JSON null).
 */
function fieldOf(type: string, i: number): string {
  if (type.endsWith('[]')) return `case jsonb_typeof(r->${i}) when 'array' then array(select jsonb_array_elements_text(r->${i}))::${type} end`;
  if (type === 'json' || type === 'jsonb') return `case jsonb_typeof(r->${i}) when 'null' then null else (r->${i})::${type} end`;
  return `(r->>${i})::${type}`;
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
