import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive, pidFileOf } from '../app/data-dir-lock.ts';
import type { Env } from '../config/env.ts';

const STOP_WAIT_MS = 20_000;

/** Where /proc tells (Linux), the process must be node: a stale pid file must not stop an unrelated process. */
function looksLikeNode(pid: number): boolean {
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return true;
  return readFileSync(cmdline, 'utf8').split('\0').some((arg) => path.basename(arg).startsWith('node'));
}

/** `ledger stop`: the embedded service started with `npm start` in another terminal, stopped cleanly. */
export async function stopCommand(env: Env): Promise<number> {
  const file = pidFileOf(env.LEDGER_DATA_DIR);
  const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    console.log(`no ledger is running on ${env.LEDGER_DATA_DIR}`);
    return 0;
  }
  if (!looksLikeNode(pid)) {
    console.error(`${file} names process ${pid}, which is not a node process (a stale pid file?): not signalling it`);
    return 1;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (isAlive(pid) && existsSync(file)) {
    if (Date.now() > deadline) {
      console.error(`process ${pid} still holds ${env.LEDGER_DATA_DIR} after ${STOP_WAIT_MS / 1000} s`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`stopped the ledger (process ${pid}) on ${env.LEDGER_DATA_DIR}`);
  return 0;
}
