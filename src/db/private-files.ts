import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Owner-only modes for the embedded database's files: they hold event payloads and API key hashes. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes a data directory private whatever the umask: the directory tree is created 0700, what is
 * already in it is set to 0600 (files) and 0700 (directories), and the process umask becomes 077 so
 * that every file PGlite creates from now on (WAL segments, relations) is owner-only too. PGlite's
 * file system layer does not pass PostgreSQL's own 0600 to the operating system, so the umask is
 * the only hold on the files it creates later.
 */
export function makePrivateDir(dir: string): void {
  restrictUmask();
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  privateTree(dir);
}

function restrictUmask(): void {
  try {
    process.umask(process.umask() | 0o077);
  } catch {
    // Worker threads cannot change the umask; the chmod pass below still covers what exists.
  }
}

/** chmod 0600/0700 over a tree without following symbolic links, iteratively (no recursion depth limit). */
export function privateTree(root: string): void {
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    chmodSync(dir, PRIVATE_DIR_MODE);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile() && (lstatSync(full).mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(full, PRIVATE_FILE_MODE);
    }
  }
}
