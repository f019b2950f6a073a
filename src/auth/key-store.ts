import { and, asc, count, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiKeys } from '../db/schema.ts';
import { BOOTSTRAP_KEY_ID, hashToken, keyIdOf, newKeyId, newToken, tokenMatches } from './api-keys.ts';
import type { Principal, Role } from './roles.ts';

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  accounts: string[] | null;
  last4: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface NewApiKey {
  name: string;
  role: Role;
  accounts: string[] | null;
  createdBy: string;
}

interface CachedKey {
  /** null: no such key (negative entries keep a flood of made-up ids off the database). */
  key: { hash: Buffer; revoked: boolean; principal: Principal } | null;
  until: number;
}

export interface KeyStoreOptions {
  /** How long a verified key is trusted without reading the table again (other processes' revocations). */
  cacheTtlMs?: number;
  maxCached?: number;
  now?: () => number;
}

/**
 * API keys in PostgreSQL, with a short in-memory cache. A revocation through this store takes
 * effect at once in this process and within cacheTtlMs (1 s) in any other.
 */
export class KeyStore {
  private readonly cache = new Map<string, CachedKey>();
  private readonly loading = new Map<string, Promise<CachedKey>>();
  private readonly ttl: number;
  private readonly maxCached: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    options: KeyStoreOptions = {},
  ) {
    this.ttl = options.cacheTtlMs ?? 1000;
    this.maxCached = options.maxCached ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The principal a token stands for, or null when it is unknown, revoked or wrong. */
  async verify(token: string): Promise<Principal | null> {
    const id = keyIdOf(token);
    let entry = this.cache.get(id);
    if (!entry || entry.until <= this.now()) entry = await this.load(id);
    const key = entry.key;
    if (!key || key.revoked) return null;
    return tokenMatches(token, key.hash) ? key.principal : null;
  }

  private load(id: string): Promise<CachedKey> {
    const pending = this.loading.get(id);
    if (pending) return pending;
    const promise = (async () => {
      const rows = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
      const row = rows[0];
      const entry: CachedKey = {
        key: row
          ? { hash: Buffer.from(row.hash, 'hex'), revoked: row.revokedAt !== null, principal: { actor: `key:${row.id}`, keyId: row.id, role: row.role, accounts: row.accounts ? new Set(row.accounts) : null } }
          : null,
        until: this.now() + this.ttl,
      };
      this.cache.delete(id);
      if (this.cache.size >= this.maxCached) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(id, entry);
      return entry;
    })().finally(() => this.loading.delete(id));
    this.loading.set(id, promise);
    return promise;
  }

  /** Creates a key; the token is returned here and never again. */
  async create(input: NewApiKey, fixed?: { id: string; token: string }): Promise<{ key: ApiKeyRecord; token: string }> {
    const id = fixed?.id ?? newKeyId();
    const token = fixed?.token ?? newToken(id);
    const rows = await this.db
      .insert(apiKeys)
      .values({ id, name: input.name, role: input.role, accounts: input.accounts, hash: hashToken(token), last4: token.slice(-4), createdBy: input.createdBy })
      .returning();
    this.cache.delete(id);
    return { key: toRecord(rows[0]!), token };
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const rows = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Keys in id order after `afterId`, revoked ones included. */
  async list(limit: number, afterId: string | null): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .select()
      .from(apiKeys)
      .where(afterId === null ? undefined : gt(apiKeys.id, afterId))
      .orderBy(asc(apiKeys.id))
      .limit(limit);
    return rows.map(toRecord);
  }

  /**
   * Revokes a key (idempotent). The last active admin key is not revoked ('last_admin'): without one,
   * nobody could manage keys again but through `ledger keys create` on the database. The active admin
   * rows are locked first, so two concurrent revocations cannot both take "the other one is left".
   */
  async revoke(id: string): Promise<{ outcome: 'revoked'; key: ApiKeyRecord } | { outcome: 'not_found' | 'last_admin' }> {
    const outcome = await this.db.transaction(async (tx) => {
      const target = (await tx.select().from(apiKeys).where(eq(apiKeys.id, id)))[0];
      if (!target) return 'not_found' as const;
      if (target.revokedAt !== null) return 'revoked' as const;
      if (target.role === 'admin') {
        const admins = await tx.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt))).for('update');
        if (admins.every((a) => a.id === id)) return 'last_admin' as const;
      }
      await tx.update(apiKeys).set({ revokedAt: new Date().toISOString() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
      return 'revoked' as const;
    });
    this.cache.delete(id);
    if (outcome !== 'revoked') return { outcome };
    const key = await this.get(id);
    return key ? { outcome, key } : { outcome: 'not_found' };
  }

  async activeCount(): Promise<number> {
    const rows = await this.db.select({ n: count() }).from(apiKeys).where(isNull(apiKeys.revokedAt));
    return rows[0]?.n ?? 0;
  }

  /**
   * The first admin. With a configured token, that token is (or becomes) the bootstrap admin key,
   * unless an admin revoked it. Without one, and only while the table is empty, a token is
   * generated and returned for the caller to show once.
   */
  async ensureBootstrap(configured: string | null): Promise<{ outcome: 'configured' | 'generated' | 'revoked' | 'unchanged'; token: string | null; keyId: string | null }> {
    if (configured) {
      const id = keyIdOf(configured);
      const existing = (await this.db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0];
      if (existing?.revokedAt) return { outcome: 'revoked', token: null, keyId: id };
      if (!existing) {
        await this.db
          .insert(apiKeys)
          .values({ id, name: 'bootstrap admin', role: 'admin', accounts: null, hash: hashToken(configured), last4: configured.slice(-4), createdBy: 'system' })
          .onConflictDoNothing();
      } else if (!tokenMatches(configured, existing.hash)) {
        await this.db.update(apiKeys).set({ hash: hashToken(configured), last4: configured.slice(-4), role: 'admin' }).where(eq(apiKeys.id, id));
      }
      this.cache.delete(id);
      return { outcome: 'configured', token: null, keyId: id };
    }
    const [row] = await this.db.select({ n: count() }).from(apiKeys);
    if ((row?.n ?? 0) > 0) return { outcome: 'unchanged', token: null, keyId: null };
    const token = newToken(BOOTSTRAP_KEY_ID);
    const inserted = await this.db
      .insert(apiKeys)
      .values({ id: BOOTSTRAP_KEY_ID, name: 'bootstrap admin', role: 'admin', accounts: null, hash: hashToken(token), last4: token.slice(-4), createdBy: 'system' })
      .onConflictDoNothing()
      .returning({ id: apiKeys.id });
    // Another process won the race: its token is the one that works.
    if (inserted.length === 0) return { outcome: 'unchanged', token: null, keyId: null };
    return { outcome: 'generated', token, keyId: BOOTSTRAP_KEY_ID };
  }
}

/** PostgreSQL's text form of timestamptz ("2026-01-02 03:04:05.678+00") to ISO-8601 UTC. */
function iso(ts: string): string {
  const normalized = ts.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(normalized);
  return Number.isNaN(d.getTime()) ? ts : d.toISOString();
}

function toRecord(row: typeof apiKeys.$inferSelect): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    accounts: row.accounts,
    last4: row.last4,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    revokedAt: row.revokedAt ? iso(row.revokedAt) : null,
  };
}
