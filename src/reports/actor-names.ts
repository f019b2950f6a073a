import { apiKeys } from '../db/tables/auth.ts';
import type { Executor } from '../db/client.ts';
import { BOOTSTRAP_KEY_ID } from '../auth/api-keys.ts';

/**
 * Names for the actors recorded on events (`key:<id>`, `jwt:<subject>`): an API key's name as it was
 * created (revoked keys keep theirs), a JWT's subject. Read once per report: the key table is small.
 */
export async function actorNames(db: Executor): Promise<(actor: string) => string> {
  const names = new Map((await db.select({ id: apiKeys.id, name: apiKeys.name }).from(apiKeys)).map((k) => [k.id, k.name]));
  return (actor) => {
    if (actor.startsWith('jwt:')) return actor.slice(4);
    if (!actor.startsWith('key:')) return actor;
    const id = actor.slice(4);
    if (id === BOOTSTRAP_KEY_ID) return 'bootstrap';
    return names.get(id) ?? 'unknown key';
  };
}
