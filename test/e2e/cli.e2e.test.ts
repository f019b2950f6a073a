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

const COMMANDS = ['serve', 'migrate', 'verify', 'rebuild', 'demo', 'report', 'keys', 'stop'];

/** The built CLI (bin/ledger.mjs → dist/): help exits 0 on stdout, mistakes exit 2 saying what was wrong. */
describe('ledger CLI usage', () => {
  it('--help, -h and help print the usage and exit 0, for the CLI and every command', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('usage: ledger <command>');
      for (const command of COMMANDS) expect(r.stdout).toContain(`  ${command}`);
    }
    for (const args of [...COMMANDS.map((command) => [command, '--help']), ['verify', '-h'], ['help', 'keys']]) {
      const command = args[0] === 'help' ? args[1]! : args[0]!;
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(new RegExp(`^usage: ledger ${command}\\b`));
      expect(r.stderr).toBe('');
    }
    // --help wins wherever it stands, even beside a mistake.
    expect((await run('report', 'trial-balance', '--format', 'xlsx', '--help')).code).toBe(0);
  }, 120_000);

  it('an unknown command, option, report or value: exit 2 and which argument was wrong, with what is allowed', async () => {
    const cases: Array<[string[], string | RegExp]> = [
      [['serv'], 'unknown command "serv": one of serve, migrate, verify, rebuild, demo, report, keys, stop'],
      [['report', 'trial-balanse'], /^ledger report: unknown report "trial-balanse": one of .*trial-balance/],
      [['report', 'trial-balance', '--format', 'xlsx'], /^ledger report: --format must be pdf, csv or manifest, not "xlsx"$/m],
      [['report', 'trial-balance', '--from'], /^ledger report: --from needs a value$/m],
      [['report'], /^ledger report: which report\? one of account-statement, /],
      [['demo'], /^ledger demo needs --fraud/],
      [['demo', '--fraud', '--seed', 'x'], /^ledger demo: --seed must be a whole number of at least 0, not "x"$/m],
      [['demo', '--fraud', '--accounts', '0'], /^ledger demo: --accounts must be a whole number from 1 to 1000000, not "0"$/m],
      [['demo', '--fraud', '--bogus'], /^ledger demo: unknown option --bogus; its options: --fraud, --accounts, --per-rule, --seed, --verbose$/m],
      [['serve', '--rol', 'api'], /^ledger serve: unknown option --rol; its options: --role$/m],
      [['migrate', 'now'], /^ledger migrate: unexpected argument "now"$/m],
      [['verify', '--fix'], /^ledger verify: unknown option --fix/m],
      [['keys'], /^ledger keys: which\? create, list or revoke$/m],
      [['keys', 'delete'], /^ledger keys: unknown subcommand "delete": one of create, list, revoke$/m],
      [['keys', 'create', '--role', 'boss', '--name', 'x'], /^ledger keys create: --role must be one of teller, auditor, analyst, admin, not "boss"$/m],
      [['keys', 'create', '--role', 'admin'], /^ledger keys create: --name is required/m],
      [['keys', 'revoke'], /^ledger keys revoke: which key\?/m],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      if (typeof message === 'string') expect(r.stderr, args.join(' ')).toContain(message);
      else expect(r.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000);
});
