import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT, kafkaScript } from '../support/kafka.ts';
import { isAlive } from '../../src/app/data-dir-lock.ts';

/** A broker of the soak's own (scripts/kafka.sh on a free port): killing it disturbs no other suite. */
export interface Broker {
  port: number;
  /** kill -9 of the broker's JVM; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (scripts/kafka.sh start waits for the port). */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
}

export async function startPrivateBroker(): Promise<Broker> {
  const port = await freePortPair();
  const node = path.join(process.env.KAFKA_DIR ?? path.join(PROJECT_ROOT, '.kafka'), `node-${port}`);
  await kafkaScript('start', port);
  return {
    port,
    async kill() {
      const pid = Number(readFileSync(path.join(node, 'kafka.pid'), 'utf8').trim());
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    },
    start: () => kafkaScript('start', port).then(() => {}),
    async stop() {
      await kafkaScript('stop', port).catch(() => '');
      rmSync(node, { recursive: true, force: true });
    },
  };
}


/** A free port whose next port is free too (the broker's controller listens there). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await listenOn(0);
    if (port < 65535 && (await listenOn(port + 1).then(() => true, () => false))) return port;
  }
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
