import type { Tx } from '../db/client.ts';
import type { StoredEvent } from '../log/envelope.ts';

/**
 * A read model built from the log. apply() runs inside the transaction that also moves the
 * projection's checkpoint, so a batch is projected exactly once or not at all.
 */
export interface Projection {
  readonly name: string;
  /** Tables this projection owns: emptied by a rebuild. */
  readonly tables: readonly string[];
  apply(tx: Tx, events: readonly StoredEvent[]): Promise<void>;
}
