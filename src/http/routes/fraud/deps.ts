import type { FraudQueries } from '../../../read-models/anomaly/queries.ts';
import { decodeCursor } from '../../../read-models/anomaly/queries.ts';
import type { CommandBus } from '../../../commands/command-bus.ts';
import { ApiProblem } from '../../problem.ts';

/** What the fraud routes use: the anomaly read model, the alert commands, and the read-your-writes wait on the anomaly projection. */
export interface FraudRouteDeps {
  queries: FraudQueries;
  commands: CommandBus;
  /** ?minPosition=: waits until the anomaly projection reached it in the partition (0 when not given), else 409. */
  wait(partition: number | undefined, minPosition: number | undefined): Promise<void>;
}

/** The two parts of a list's cursor (`isValid` checks them further); a 400 when it is not a cursor of that list. */
export function cursorOf(text: string | undefined, isValid: (parts: [string, string]) => boolean = () => true): [string, string] | undefined {
  if (text === undefined) return undefined;
  const parts = decodeCursor(text, 2);
  const cursor: [string, string] | null = parts ? [parts[0]!, parts[1]!] : null;
  if (!cursor || !isValid(cursor)) throw new ApiProblem('validation_failed', 'cursor: use the nextCursor of the previous page', [{ field: 'cursor', message: 'not a cursor of this list' }]);
  return cursor;
}

/** An ISO-8601 instant in the canonical UTC form the read models store. */
export const iso = (s: string | undefined) => (s === undefined ? undefined : new Date(s).toISOString());

/** Waits for ?minPosition=, then the account's fraud profile, or a 404 when the anomaly projection does not know the account. */
export async function knownAccount(d: FraudRouteDeps, id: string, query: { partition?: number; minPosition?: number }) {
  await d.wait(query.partition, query.minPosition);
  const profile = await d.queries.profile(id);
  if (!profile) throw new ApiProblem('account_not_found', `account ${id} does not exist`);
  return profile;
}
