import { type SQL, sql } from 'drizzle-orm';
import { type Database, type Executor, openDatabase, rowsOf } from '../db/client.ts';
import type { EventLog } from '../log/event-log.ts';
import { applyOnce, readCheckpoint } from '../projections/checkpoints.ts';
import type { Projection } from '../projections/projection.ts';

export interface TableDifference {
  table: string;
  rows: { readModel: number; replay: number };
  /** Up to DIFF_SAMPLE rows (as JSON) found on one side only; empty when the table is too large to list. */
  onlyInReadModel: string[];
  onlyInReplay: string[];
}

export interface ProjectionComparison {
  projection: string;
  /** The checkpoint per partition both sides were compared at. */
  positions: Record<string, number>;
  ok: boolean;
  tables: number;
  differences: TableDifference[];
}

const DIFF_SAMPLE = 5;
const LIST_LIMIT = 200_000;

/**
 * A row as JSON text, numerics at their least scale (99.60 and 99.6 are one amount: the scale a
 * numeric column keeps depends on the arithmetic that produced it), in the session's time zone (UTC).
 */
async function rowJson(db: Executor, table: string): Promise<SQL> {
  const columns = rowsOf<{ name: string; type: string }>(
    await db.execute(sql`select column_name as name, data_type as type from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`),
  );
  const pairs = columns.map((c) => sql`${c.name}::text, ${c.type === 'numeric' ? sql`trim_scale(t.${sql.identifier(c.name)})` : sql`t.${sql.identifier(c.name)}`}`);
  return sql`jsonb_build_object(${sql.join(pairs, sql`, `)})::text`;
}

/** Count and an order-free digest of a table's rows (the sum of a 60-bit slice of each row's md5). */
async function tableDigest(db: Executor, table: string): Promise<{ rows: number; digest: string }> {
  const row = await rowJson(db, table);
  const [result] = rowsOf<{ n: string; d: string }>(
    await db.execute(sql`select count(*)::text as n, coalesce(sum(('x' || substr(md5(${row}), 1, 15))::bit(60)::bigint::numeric), 0)::text as d from ${sql.identifier(table)} t`),
  );
  return { rows: Number(result!.n), digest: result!.d };
}

async function tableRows(db: Executor, table: string): Promise<string[]> {
  const row = await rowJson(db, table);
  return rowsOf<{ r: string }>(await db.execute(sql`select ${row} as r from ${sql.identifier(table)} t`)).map((x) => x.r);
}

/** The rows on one side only (a multiset difference), up to DIFF_SAMPLE each way. */
function sampleDifference(live: string[], replay: string[]): Pick<TableDifference, 'onlyInReadModel' | 'onlyInReplay'> {
  const counts = new Map<string, number>();
  for (const r of replay) counts.set(r, (counts.get(r) ?? 0) + 1);
  const onlyInReadModel: string[] = [];
  for (const r of live) {
    const n = counts.get(r) ?? 0;
    if (n > 0) counts.set(r, n - 1);
    else if (onlyInReadModel.length < DIFF_SAMPLE) onlyInReadModel.push(r);
  }
  const onlyInReplay = [...counts].filter(([, n]) => n > 0).slice(0, DIFF_SAMPLE).map(([r]) => r);
  return { onlyInReadModel, onlyInReplay };
}

/** Projects the log into the scratch database up to the given checkpoint of each partition. */
async function replayTo(scratch: Database, log: EventLog, projection: Projection, positions: number[], onEvents: (n: number) => void): Promise<void> {
  for (let p = 0; p < positions.length; p++) {
    let at = await readCheckpoint(scratch.db, projection.name, p);
    while (at < positions[p]!) {
      const batch = (await log.read(p, at, 2000)).filter((e) => e.position <= positions[p]!);
      if (batch.length === 0) break;
      at = (await applyOnce(scratch.db, projection, p, batch)).position;
      onEvents(batch.length);
    }
  }
}

/** The live database as of one instant: a read-only repeatable-read snapshot on a server; PGlite has one session (and the service is stopped). */
function inSnapshot<T>(database: Database, run: (db: Executor) => Promise<T>): Promise<T> {
  if (database.kind === 'pglite') return run(database.db);
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`set local time zone 'UTC'`);
    return run(tx);
  }, { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

/**
 * Every read model against a replay of the log: each projection is replayed from genesis into a
 * scratch in-memory database up to the read model's own checkpoint, then every table it owns is
 * compared row for row (count and digest; on a difference, the rows found on one side only).
 */
export async function compareReadModels(
  database: Database,
  log: EventLog,
  live: readonly Projection[],
  replayed: (scratch: Database) => readonly Projection[],
  onEvents: (n: number) => void = () => {},
): Promise<ProjectionComparison[]> {
  const scratch = await openDatabase({ url: null, dataDir: null });
  try {
    await scratch.migrate();
    await scratch.db.execute(sql`set time zone 'UTC'`);
    if (database.kind === 'pglite') await database.db.execute(sql`set time zone 'UTC'`);
    const fresh = replayed(scratch);
    return await inSnapshot(database, async (db) => {
      const results: ProjectionComparison[] = [];
      for (const projection of live) {
        const positions = await Promise.all(Array.from({ length: log.partitions }, (_, p) => readCheckpoint(db, projection.name, p)));
        await replayTo(scratch, log, fresh.find((x) => x.name === projection.name)!, positions, onEvents);
        const differences: TableDifference[] = [];
        for (const table of projection.tables) {
          if (projection.queues?.includes(table)) continue;
          const [a, b] = [await tableDigest(db, table), await tableDigest(scratch.db, table)];
          if (a.rows === b.rows && a.digest === b.digest) continue;
          const listable = a.rows + b.rows <= LIST_LIMIT;
          const sample = listable ? sampleDifference(await tableRows(db, table), await tableRows(scratch.db, table)) : { onlyInReadModel: [], onlyInReplay: [] };
          differences.push({ table, rows: { readModel: a.rows, replay: b.rows }, ...sample });
        }
        results.push({ projection: projection.name, positions: Object.fromEntries(positions.map((pos, p) => [String(p), pos])), ok: differences.length === 0, tables: projection.tables.length, differences });
      }
      return results;
    });
  } finally {
    await scratch.close();
  }
}
