import type { Database } from '../../src/db/client.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';
import { eventLogConformance } from './event-log.conformance.ts';

for (const backend of BACKENDS) {
  eventLogConformance(`postgres (${backend})`, async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    let n = 0;
    return {
      open: (db: Database = database) => new PostgresEventLog(db, `conformance-${++n}`).start(),
      // The same stream version twice violates unique(stream_id, stream_version) after the first rows went in.
      poison: (batch) => [...batch, { ...batch[0]!, eventId: crypto.randomUUID() }],
      cleanup,
      crossInstanceWakeups: backend === 'postgres',
    };
  });
}
