/**
 * A child process that creates the embedded database (initdb) and exits: creating it leaves hundreds of
 * MB of freed but resident memory in the process that ran it (PGlite's bundled file system image
 * unpacked, WASM compiled and run through initdb), and only a process that ends gives it back. The
 * serving process then opens the created database in its own thread (pglite-thread.ts).
 */
import { PGlite } from '@electric-sql/pglite';
import type { PgliteReady, PgliteWorkerData } from './pglite-protocol.ts';
import { toWire } from './pglite-protocol.ts';
import { privateTree } from './private-files.ts';

process.once('message', (data: PgliteWorkerData) => {
  const done = (message: PgliteReady) => process.send!(message, () => process.exit(0));
  PGlite.create(data.dir, { startParams: [...PGlite.defaultStartParams, ...data.settings.flatMap((s) => ['-c', s])] })
    .then((pg) => pg.close())
    .then(
      () => {
        // A new database is unpacked from PGlite's bundled image with that image's modes (0666): narrow them.
        privateTree(data.dir);
        done({ ready: true });
      },
      (err: unknown) => done({ ready: false, error: toWire(err) }),
    );
});
