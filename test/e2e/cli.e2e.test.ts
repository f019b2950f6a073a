import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/process.ts';

const run = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  const { DATABASE_URL: _db, KAFKA_BROKERS: _kafka, ...env } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/ledger.mjs', ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** The built CLI (bin/ledger.mjs → dist/): help exits 0 on stdout, mistakes exit 2 saying what was wrong. */
describe('ledger CLI usage', () => {
  it('--help, -h and help print the usage and exit 0, for the CLI and every command', async () => {
    for (const args of [['--help'], ['-h'], ['help'], ['serve', '--help'], ['migrate', '--help'], ['verify', '-h'], ['rebuild', '--help']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('usage: ledger <command>');
    }
    const report = await run('report', '--help');
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('usage: ledger report');
    const demo = await run('demo', '--help');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain('usage: ledger demo --fraud');
    const keys = await run('keys', '--help');
    expect(keys.code).toBe(0);
    expect(keys.stdout).toContain('usage: ledger keys');
  }, 60_000);

  it('an unknown command, report or format: exit 2 and which argument was wrong', async () => {
    const command = await run('serv');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "serv": one of serve, migrate, verify, rebuild, demo, report');
    const report = await run('report', 'trial-balanse');
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(/^unknown report "trial-balanse": one of .*trial-balance/);
    const format = await run('report', 'trial-balance', '--format', 'xlsx');
    expect(format.code).toBe(2);
    expect(format.stderr.trim()).toBe('--format must be pdf, csv or manifest, not "xlsx"');
    const demo = await run('demo');
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain('ledger demo needs --fraud');
  }, 60_000);
});
