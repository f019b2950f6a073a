import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, freePort } from '../support/process.ts';

/**
 * The README's `bash` blocks, in order, as one shell session against a fresh instance: what a new
 * user pastes from a fresh clone must work as written. `sh` blocks are references and are not run;
 * a `bash` block that cannot run here (Docker, the suite itself) is preceded by a
 * `<!-- readme-test: skip (reason) -->` line.
 */
interface Block {
  line: number;
  code: string;
  skip: string | null;
}

const SKIP = /^<!--\s*readme-test:\s*skip\s*(.*?)\s*-->$/;

function bashBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!) && l.trim() === fence[1]);
    if (end < 0) throw new Error(`README line ${i + 1}: unclosed code fence`);
    if (fence[2] === 'bash') {
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === '') before--;
      const marker = before >= 0 ? SKIP.exec(lines[before]!.trim()) : null;
      blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), skip: marker ? marker[1]! : null });
    }
    i = end;
  }
  return blocks;
}

/**
 * Around the README's own lines: every curl must get a 2xx (its body is printed otherwise), an
 * unset variable or a failed command stops the session; `npm install` was done by CI (`npm ci`,
 * which built dist/); `npm start`, which keeps a terminal, runs in the background until /healthz answers.
 */
const PRELUDE = String.raw`set -euo pipefail
curl() { command curl --fail-with-body --show-error "$@"; }
npm() {
  case "$1" in
    install|ci) echo "(readme test: dependencies installed and dist/ built by CI's npm ci)" ;;
    start)
      command npm start >>"$LEDGER_README_SERVER_LOG" 2>&1 &
      local pid=$!
      for _ in $(seq 1 1200); do
        command curl -sf "localhost:$PORT/healthz" >/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { echo "npm start exited:"; tail -n 40 "$LEDGER_README_SERVER_LOG"; return 1; }
        sleep 0.1
      done
      echo "npm start did not answer on /healthz"; return 1 ;;
    *) command npm "$@" ;;
  esac
}
`;

/** A fresh clone's working directory: the checkout's files by symlink, no data/ or reports/ of its own yet. */
function freshCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-readme-'));
  const leaveOut = new Set(['data', 'reports', '.tmp', '.kafka', '.git', '.env']);
  for (const entry of readdirSync(ROOT)) if (!leaveOut.has(entry)) symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  return dir;
}

describe('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = bashBlocks(readme);
  const dirs: string[] = [];
  const groups: number[] = [];
  afterAll(async () => {
    for (const pgid of groups) await stopGroup(pgid); // also after a timeout: the service the session left running
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('marks its shell blocks: the runnable ones are bash, and every skipped one says why', () => {
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(5);
    for (const b of blocks.filter((x) => x.skip !== null)) expect(b.skip, `README line ${b.line}`).toMatch(/^\(.{10,}\)$/);
    const runnable = blocks.filter((b) => !b.skip).map((b) => b.code).join('\n');
    for (const role of ['admin', 'teller', 'auditor', 'analyst']) expect(runnable, `a key for the ${role} role is created in the text`).toMatch(new RegExp(`new_key "[^"]+" ${role}\\b`));
  });

  it('its bash blocks run as written, in order, on a fresh checkout', async () => {
    const dir = freshCheckout();
    dirs.push(dir);
    const port = await freePort();
    const script = [PRELUDE, ...blocks.filter((b) => !b.skip).map((b) => `\n# ── README.md line ${b.line} ──\n${b.code}`)].join('\n');
    // The README speaks of port 3000; the test's instance listens on a free one.
    writeFileSync(path.join(dir, 'readme.sh'), script.replaceAll('localhost:3000', `localhost:${port}`));
    const serverLog = path.join(dir, 'server.log');
    const { DATABASE_URL: _db, KAFKA_BROKERS: _kafka, LEDGER_DATA_DIR: _dir, LEDGER_BOOTSTRAP_TOKEN: _token, ...inherited } = process.env;
    const child = spawn('bash', ['readme.sh'], {
      cwd: dir,
      detached: true, // its own process group: what it started in the background is stopped with it
      env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LEDGER_MIN_POSITION_WAIT_MS: '30000', LEDGER_README_SERVER_LOG: serverLog },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    groups.push(child.pid!);
    let transcript = '';
    child.stdout.on('data', (d: Buffer) => (transcript += d.toString()));
    child.stderr.on('data', (d: Buffer) => (transcript += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const server = existsSync(serverLog) ? readFileSync(serverLog, 'utf8') : '';
    expect(code, `the README session failed:\n${transcript}\n── server log ──\n${server.slice(-4000)}`).toBe(0);
    expect(transcript).toContain('"balance":"200.00"'); // account A after the deposit, the withdrawal and the transfer
    expect(transcript).toContain('"balance":"250.00"'); // its balance as of the deposit
  }, 600_000);
});

/** SIGTERM to the session's process group (the service it left running), then SIGKILL if it lingers. */
async function stopGroup(pgid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pgid, 'SIGKILL');
}
