import type { Env } from '../config/env.ts';
import { REPORT_NAMES } from '../reports/names.ts';
import { type ParseArgsOptionsConfig, type ParsedCommand, UsageError, intOption, stringOption } from './args.ts';

/**
 * Every `ledger` command: its usage, its options (one parser for all: parseCommand in args.ts) and
 * what it runs, loaded only when it runs (so --help and usage errors answer at once).
 */
export const USAGE = `usage: ledger <command>
  serve [--role all|engine|projector|api[,...]]
            start the service on PORT: by default every role in one process; with Kafka the roles
            can run as separate processes (api nodes reach the engine through ledger.commands)
  migrate   apply database migrations and exit
  verify    recompute the hash chain and compare every read model with a replay of the log
  rebuild   drop the read models and rebuild them from the log (stop the service first)
  demo      --fraud: sample population with planted fraud patterns, on a simulated clock
  report    write a report (PDF or CSV) to reports/
  keys      create|list|revoke API keys on the database (recovery of a lost admin key)
  stop      stop the service holding LEDGER_DATA_DIR (what npm stop runs)
ledger <command> --help tells more; configuration comes from the environment (README: Configuration).`;

const SERVE_USAGE = `usage: ledger serve [--role all|engine|projector|api[,...]]
  the service on PORT (HOST), until SIGTERM or SIGINT; by default every role in one process (LEDGER_ROLE).
  With Kafka the roles can run as separate processes: api nodes reach the engine through ledger.commands.`;
const MIGRATE_USAGE = 'usage: ledger migrate\n  applies the database migrations (DATABASE_URL, else LEDGER_DATA_DIR) and exits; serve also does it at start';
const REBUILD_USAGE = 'usage: ledger rebuild\n  empties every read model and replays the log into it, with progress on a terminal (stop the service first)';

const DEMO_USAGE = `usage: ledger demo --fraud [--accounts 400] [--per-rule 10] [--seed 42] [--verbose]
  a seeded population of ordinary accounts with planted patterns of every anomaly rule, written
  through the API on a simulated clock (240 days from 2025-01-01) into LEDGER_DATA_DIR (or
  DATABASE_URL); prints precision and recall per rule. Stop the service first on the embedded database.
  --accounts N   ordinary accounts (default 400)
  --per-rule N   planted patterns per rule (default 10)
  --seed N       the population's seed (default 42)
  --verbose      log every request (JSON lines on stdout) instead of a summary`;

const DEMO_OPTIONS = {
  fraud: { type: 'boolean' },
  accounts: { type: 'string' },
  'per-rule': { type: 'string' },
  seed: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

export interface DemoOptions {
  seed: number;
  accounts: number;
  perRule: number;
  verbose: boolean;
}

export function demoOptions({ values }: ParsedCommand): DemoOptions {
  if (!values.fraud) throw new UsageError('ledger demo needs --fraud (the only population there is)');
  return {
    seed: intOption('demo', values, 'seed', 42),
    accounts: intOption('demo', values, 'accounts', 400, 1, 1_000_000),
    perRule: intOption('demo', values, 'per-rule', 10, 0, 10_000),
    verbose: values.verbose === true,
  };
}

const KEYS_USAGE = `usage: ledger keys <create|list|revoke>
  create --role teller|auditor|analyst|admin --name NAME [--accounts ID,ID,...]
            creates a key straight in the database and prints its token (once) on stdout;
            the recovery for a lost admin key: ledger keys create --role admin --name recovery
  list      every key (never their secrets), revoked ones included
  revoke ID revokes a key; the last active admin key is refused
Works on the database directly (DATABASE_URL, else LEDGER_DATA_DIR: stop the service first there).`;

const KEYS_OPTIONS = {
  role: { type: 'string' },
  name: { type: 'string' },
  accounts: { type: 'string' },
} as const;

const REPORT_USAGE = `usage: ledger report <${REPORT_NAMES.join('|')}> [options]
  --from DATE|DATETIME   start of the period (inclusive)
  --to DATE|DATETIME     end of the period (a date includes the whole day)
  --account ID           account (required for account-statement; a filter for audit-trail)
  --actor NAME --type EVENT   audit-trail filters
  --threshold LIST       large-transactions: 10000.00 and/or CUR:amount, comma-separated
  --as-at DATE|DATETIME  trial-balance: as at this date or instant
  --gl-account CODE      general-ledger-detail: the GL account (customer:ID, settlement:wire:USD, suspense:USD ...)
  --owner ID             owner-activity: the owner whose accounts to report
  --position N           reproduce the report at an earlier log position
  --format pdf|csv|manifest   default pdf; manifest: JSON with parameters, position, row count, data SHA-256, version
  --out DIR              default reports/
  --url URL --key KEY    ask a running service's API instead of opening the storage (needed while a
                         service runs on the embedded default: its data directory is locked); KEY is
                         an API key with the auditor or admin role (or LEDGER_URL / LEDGER_API_KEY)`;

const REPORT_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  account: { type: 'string' },
  actor: { type: 'string' },
  type: { type: 'string' },
  threshold: { type: 'string' },
  'as-at': { type: 'string' },
  'gl-account': { type: 'string' },
  owner: { type: 'string' },
  position: { type: 'string' },
  format: { type: 'string', default: 'pdf' },
  out: { type: 'string', default: 'reports' },
  url: { type: 'string' },
  key: { type: 'string' },
} as const;

const VERIFY_USAGE = `usage: ledger verify
  recomputes the log's hash chain and replays every stream (the balances against the read model),
  then replays the log from genesis into a scratch database and compares every read model with it,
  table by table at the read model's own checkpoint: balances and journal, audit log, alerts and
  the anomaly windows, the general ledger. Prints a JSON report on stdout and what differs on stderr.
  exit 0: all equal; 1: the hash chain is broken or a balance differs from the replay;
  3: the chain holds but a read model differs from its replay (ledger rebuild repairs it)`;

const STOP_USAGE = `usage: ledger stop
  stops the process holding LEDGER_DATA_DIR (its pid is in <LEDGER_DATA_DIR>/ledger.pid) with SIGTERM
  and waits until it has released the directory; exits 0 when nothing holds it (npm stop runs this)`;

export interface CommandSpec {
  usage: string;
  options?: ParseArgsOptionsConfig;
  positionals?: number;
  run(parsed: ParsedCommand, env: Env): Promise<number>;
}

export const COMMANDS: Record<string, CommandSpec> = {
  serve: { usage: SERVE_USAGE, options: { role: { type: 'string' } }, run: async (p, env) => (await import('./serve-command.ts')).serve(env, stringOption(p.values, 'role')) },
  migrate: { usage: MIGRATE_USAGE, run: async (_p, env) => (await import('./serve-command.ts')).migrate(env) },
  verify: { usage: VERIFY_USAGE, run: async (_p, env) => (await import('./verify-command.ts')).verifyCommand(env) },
  rebuild: { usage: REBUILD_USAGE, run: async (_p, env) => (await import('./serve-command.ts')).rebuild(env) },
  demo: { usage: DEMO_USAGE, options: DEMO_OPTIONS, run: async (p, env) => (await import('./demo-command.ts')).demoCommand(env, demoOptions(p)) },
  report: { usage: REPORT_USAGE, options: REPORT_OPTIONS, positionals: 1, run: async (p, env) => (await import('./report-command.ts')).reportCommand(p, env) },
  keys: { usage: KEYS_USAGE, options: KEYS_OPTIONS, positionals: 2, run: async (p, env) => (await import('./keys-command.ts')).keysCommand(p, env) },
  stop: { usage: STOP_USAGE, run: async (_p, env) => (await import('./stop-command.ts')).stopCommand(env) },
};
