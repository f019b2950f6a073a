import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs the real CLI (`ledger <args>`) as its own process: one node process, so kill -9 hits the server itself. */
export function spawnLedger(args: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

export async function runLedger(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnLedger(args, env);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output: child.output() };
}

/**
 * `ledger verify` until it passes, while the projectors still run: right after the last write a
 * projector may not have read it yet (a read model one event behind the log is not a failure then;
 * one that never catches up is). Returns the last run.
 */
export async function verifyEventually(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const verify = await runLedger(['verify'], env);
    if (verify.code === 0 || Date.now() > deadline) return verify;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** A `ledger serve` process of startRoles: its port and a client for its API. */
export interface RoleProcess {
  child: ChildProcess & { output: () => string };
  port: number;
  url: string;
}

export interface Roles {
  /**
   * Starts `ledger serve --role <role>` (every role when omitted) on `port` (a free one when omitted)
   * and waits for its /healthz.
   */
  start(role?: string, port?: number): Promise<RoleProcess>;
  /** kill -9 of every process it started (afterAll). */
  cleanup(): Promise<void>;
}

/** Starts the service's roles as separate processes sharing `env` (one database, one log). */
export function startRoles(env: Record<string, string>): Roles {
  const children: ChildProcess[] = [];
  return {
    async start(role, port) {
      const at = port ?? (await freePort());
      const child = spawnLedger(role ? ['serve', '--role', role] : ['serve'], { ...env, PORT: String(at) });
      children.push(child);
      const url = `http://127.0.0.1:${at}`;
      const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`ledger serve ${role ?? ''} exited (${signal ?? code}) before /healthz answered:\n${child.output().slice(-3000)}`))));
      await Promise.race([waitForHttp(`${url}/healthz`, 90_000), exited]);
      return { child, port: at, url };
    },
    async cleanup() {
      for (const child of children.splice(0)) await killHard(child);
    },
  };
}
