import { acquireDataDirLock } from '../app/data-dir-lock.ts';
import { displayPrefix } from '../auth/api-keys.ts';
import { KeyStore } from '../auth/key-store.ts';
import { ROLES, type Role, isRole } from '../auth/roles.ts';
import type { Env } from '../config/env.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { type OptionValues, type ParsedCommand, UsageError, stringOption } from './args.ts';

/** The database alone (no log, no broker): what key management needs, also while Kafka is down. */
async function withDatabase<T>(env: Env, run: (database: Database) => Promise<T>): Promise<T> {
  const embedded = !env.DATABASE_URL;
  const release = embedded ? acquireDataDirLock(env.LEDGER_DATA_DIR) : null;
  try {
    const database = await openDatabase({ url: env.DATABASE_URL ?? null, dataDir: embedded ? env.LEDGER_DATA_DIR : null });
    try {
      await database.migrate();
      return await run(database);
    } finally {
      await database.close();
    }
  } finally {
    release?.();
  }
}

function createArgs(values: OptionValues): { role: Role; name: string; accounts: string[] | null } {
  const role = stringOption(values, 'role');
  const name = stringOption(values, 'name');
  if (!isRole(role)) throw new UsageError(`ledger keys create: --role must be one of ${ROLES.join(', ')}${role === undefined ? '' : `, not "${role}"`}`);
  if (!name || name.length > 100) throw new UsageError('ledger keys create: --name is required (1 to 100 characters)');
  const accounts = stringOption(values, 'accounts');
  return { role, name, accounts: accounts ? [...new Set(accounts.split(',').map((a) => a.trim()).filter(Boolean))] : null };
}

/** `ledger keys …`: exit code 0 on success, 1 when refused, 2 on a usage error (thrown as UsageError). */
export async function keysCommand({ values, positionals }: ParsedCommand, env: Env): Promise<number> {
  const [sub, id] = positionals;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    throw new UsageError(sub === undefined ? 'ledger keys: which? create, list or revoke' : `ledger keys: unknown subcommand "${sub}": one of create, list, revoke`);
  }
  if (sub !== 'revoke' && id !== undefined) throw new UsageError(`ledger keys ${sub}: unexpected argument "${id}"`);
  if (sub === 'create') {
    const { role, name, accounts } = createArgs(values);
    return withDatabase(env, async ({ db }) => {
      const { key, token } = await new KeyStore(db).create({ name, role, accounts, createdBy: 'cli' });
      console.error(`created key ${key.id} (role ${key.role}, name ${JSON.stringify(key.name)}); its token, shown once:`);
      console.log(token);
      return 0;
    });
  }
  if (sub === 'list') return withDatabase(env, listKeys);
  if (id === undefined) throw new UsageError('ledger keys revoke: which key? ledger keys revoke <id> (ids from ledger keys list)');
  return withDatabase(env, async ({ db }) => {
    const result = await new KeyStore(db).revoke(id);
    if (result.outcome === 'revoked') {
      console.log(`revoked key ${id}`);
      return 0;
    }
    console.error(result.outcome === 'last_admin' ? `key ${id} is the last active admin key: create another admin key first` : `there is no key ${id}`);
    return 1;
  });
}

async function listKeys({ db }: Database): Promise<number> {
  const store = new KeyStore(db);
  let after: string | null = null;
  for (;;) {
    const page = await store.list(500, after);
    for (const k of page) console.log(JSON.stringify({ id: k.id, name: k.name, role: k.role, accounts: k.accounts, prefix: displayPrefix(k.id, k.last4), createdBy: k.createdBy, createdAt: k.createdAt, revokedAt: k.revokedAt }));
    if (page.length < 500) return 0;
    after = page[page.length - 1]!.id;
  }
}
