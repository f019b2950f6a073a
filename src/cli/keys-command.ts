import { acquireDataDirLock } from '../app/data-dir-lock.ts';
import { displayPrefix } from '../auth/api-keys.ts';
import { KeyStore } from '../auth/key-store.ts';
import { isRole } from '../auth/roles.ts';
import type { Env } from '../config/env.ts';
import { type Database, openDatabase } from '../db/client.ts';

export const KEYS_USAGE = `usage: ledger keys <create|list|revoke>
  create --role teller|auditor|analyst|admin --name NAME [--accounts ID,ID,...]
            creates a key straight in the database and prints its token (once) on stdout;
            the recovery for a lost admin key: ledger keys create --role admin --name recovery
  list      every key (never their secrets), revoked ones included
  revoke ID revokes a key; the last active admin key is refused
Works on the database directly (DATABASE_URL, else LEDGER_DATA_DIR: stop the service first there).`;

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

function option(args: string[], name: string): string | null {
  const at = args.indexOf(name);
  return at >= 0 ? (args[at + 1] ?? null) : null;
}

/** `ledger keys …`: exit code 0 on success, 1 when refused, 2 on a usage error. */
export async function keysCommand(args: string[], env: Env): Promise<number> {
  const [sub, ...rest] = args;
  if (args.some((a) => a === '--help' || a === '-h') || sub === 'help') {
    console.log(KEYS_USAGE);
    return 0;
  }
  if (sub === 'create') {
    const role = option(rest, '--role');
    const name = option(rest, '--name');
    const accounts = option(rest, '--accounts');
    if (!isRole(role) || !name || name.length > 100) {
      console.error(KEYS_USAGE);
      return 2;
    }
    const scope = accounts ? [...new Set(accounts.split(',').map((a) => a.trim()).filter(Boolean))] : null;
    return withDatabase(env, async ({ db }) => {
      const { key, token } = await new KeyStore(db).create({ name, role, accounts: scope, createdBy: 'cli' });
      console.error(`created key ${key.id} (role ${key.role}, name ${JSON.stringify(key.name)}); its token, shown once:`);
      console.log(token);
      return 0;
    });
  }
  if (sub === 'list') {
    return withDatabase(env, async ({ db }) => {
      const store = new KeyStore(db);
      let after: string | null = null;
      for (;;) {
        const page = await store.list(500, after);
        for (const k of page) console.log(JSON.stringify({ id: k.id, name: k.name, role: k.role, accounts: k.accounts, prefix: displayPrefix(k.id, k.last4), createdBy: k.createdBy, createdAt: k.createdAt, revokedAt: k.revokedAt }));
        if (page.length < 500) return 0;
        after = page[page.length - 1]!.id;
      }
    });
  }
  if (sub === 'revoke' && rest[0]) {
    const id = rest[0];
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
  console.error(KEYS_USAGE);
  return 2;
}
