import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE, makePrivateDir } from '../db/private-files.ts';

/**
 * The embedded database may be opened by one process only: a second one would corrupt it.
 * A pid file under the data directory guards it; a stale file (dead pid) is taken over.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  // Owner-only whatever the umask: the directory holds the database, the bootstrap token and this file.
  makePrivateDir(dataDir);
  const file = pidFileOf(dataDir);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx', mode: PRIVATE_FILE_MODE });
  } catch {
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(`the data directory ${dataDir} is in use by process ${holder}; stop it or set LEDGER_DATA_DIR`);
    }
    writeFileSync(file, String(process.pid), { mode: PRIVATE_FILE_MODE });
  }
  return () => rmSync(file, { force: true });
}

/** The pid file of the process holding the data directory (what `ledger stop` signals). */
export function pidFileOf(dataDir: string): string {
  return path.join(dataDir, 'ledger.pid');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
