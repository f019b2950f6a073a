import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { engineSnapshots } from '../db/schema.ts';
import type { EngineSnapshot, SnapshotStore } from './snapshot.ts';

const zip = promisify(gzip);
const unzip = promisify(gunzip);

/** Snapshots in PostgreSQL, one series per log (the embedded table, or a Kafka topic). */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(
    private readonly db: Db,
    private readonly logId: string,
    private readonly keep = 2,
  ) {}

  async load(): Promise<EngineSnapshot | null> {
    const rows = await this.db.select().from(engineSnapshots).where(eq(engineSnapshots.logId, this.logId)).orderBy(desc(engineSnapshots.id)).limit(1);
    const row = rows[0];
    if (!row) return null;
    const parsed = JSON.parse((await unzip(row.data)).toString('utf8')) as { format?: unknown };
    // An older format is not an error: the engine replays the log instead (and writes the new format).
    return parsed.format === 4 ? (parsed as EngineSnapshot) : null;
  }

  async save(snapshot: EngineSnapshot): Promise<void> {
    const data = await zip(Buffer.from(JSON.stringify(snapshot)), { level: 1 });
    const [row] = await this.db
      .insert(engineSnapshots)
      .values({ logId: this.logId, takenAt: new Date().toISOString(), heads: snapshot.heads, data })
      .returning({ id: engineSnapshots.id });
    if (row) await this.db.delete(engineSnapshots).where(and(eq(engineSnapshots.logId, this.logId), lt(engineSnapshots.id, row.id - this.keep + 1)));
  }
}
