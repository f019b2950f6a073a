import { randomFillSync } from 'node:crypto';
import { V7Generator } from 'uuidv7';

/**
 * Random 32-bit words drawn 1,024 at a time: the uuidv7 package's own source draws 8 per
 * getRandomValues call, about one call per three ids, and on the request path (and for every
 * event the engine writes) that call cost more than the rest of the id.
 */
class BufferedRandom {
  private readonly words = new Uint32Array(1024);
  private next = this.words.length;

  nextUint32(): number {
    if (this.next === this.words.length) {
      randomFillSync(this.words);
      this.next = 0;
    }
    return this.words[this.next++]!;
  }
}

const generator = new V7Generator(new BufferedRandom());

/** A new UUIDv7 (time-ordered, monotonic within this process), as the uuidv7 package makes them: every id the service mints (accounts, holds, transactions, cases, events, requests, instances). */
export function newId(): string {
  return generator.generate().toString();
}
