import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, freePort, killHard, waitForHttp } from '../support/process.ts';
import { isAlive } from '../../src/app/data-dir-lock.ts';

/** `npm start` as an operator runs it: the compiled build, and a clean stop whichever process of the tree is signalled. */
describe('npm start (the build in dist/)', () => {
  const started: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const child of started.splice(0)) await killHard(child);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function npmStart(): Promise<{ npm: ChildProcess; port: number; dataDir: string; output: () => string }> {
    expect(existsSync(path.join(ROOT, 'dist/cli/main.js')), 'dist/ is built by `npm run build` (npm install runs it through prepare)').toBe(true);
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-start-'));
    dirs.push(dataDir);
    // Embedded mode (PGlite in dataDir): no DATABASE_URL or KAFKA_BROKERS from the test's environment.
    const { DATABASE_URL: _db, KAFKA_BROKERS: _kafka, ...inherited } = process.env;
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(npm);
    let out = '';
    npm.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}; npm start said:\n${out}`);
    });
    return { npm, port, dataDir, output: () => out };
  }

  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
  const portOpen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  /** The node process serving the port: npm's child (npm start execs node, no shell in between). */
  const serverPid = (npm: ChildProcess) => Number(execFileSync('pgrep', ['-P', String(npm.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);

  it('runs compiled JavaScript (no tsx, no esbuild), and SIGTERM to the npm process releases the port and the data-dir lock', async () => {
    const { npm, port, dataDir, output } = await npmStart();
    const server = serverPid(npm);
    const cmdline = readFileSync(`/proc/${server}/cmdline`, 'utf8').replaceAll('\0', ' ');
    expect(cmdline).toContain('dist/cli/main.js');
    expect(cmdline).not.toMatch(/tsx|esbuild/);
    expect(existsSync(path.join(dataDir, 'ledger.pid'))).toBe(true);

    npm.kill('SIGTERM');
    expect(await exited(npm)).toBe(0);
    await waitUntil(() => !isAlive(server));
    expect(await portOpen(port)).toBe(false);
    expect(existsSync(path.join(dataDir, 'ledger.pid'))).toBe(false);
    expect(output()).toContain('"signal":"SIGTERM"');
  }, 180_000);

  it('SIGINT to the server process itself (Ctrl-C reaches the whole group) stops it cleanly and npm with it', async () => {
    const { npm, port, dataDir } = await npmStart();
    process.kill(serverPid(npm), 'SIGINT');
    expect(await exited(npm)).toBe(0);
    expect(await portOpen(port)).toBe(false);
    expect(existsSync(path.join(dataDir, 'ledger.pid'))).toBe(false);
  }, 180_000);

  it('a port in use: one clear line naming the address and what to do, no stack trace, before the engine starts', async () => {
    const port = await freePort();
    const holder = createServer().listen(port, '127.0.0.1');
    await once(holder, 'listening');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-start-'));
    dirs.push(dataDir);
    try {
      const { DATABASE_URL: _db, KAFKA_BROKERS: _kafka, ...inherited } = process.env;
      const child = spawn(process.execPath, ['dist/cli/main.js', 'serve'], {
        cwd: ROOT,
        env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', LEDGER_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child);
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      expect(await exited(child)).toBe(1);
      expect(err.trim()).toBe(`cannot listen on 127.0.0.1:${port}: the port is already in use by another process; stop it or set PORT to a free port`);
      expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false); // refused before the database was opened
    } finally {
      holder.close();
    }
  }, 60_000);
});


async function waitUntil(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
