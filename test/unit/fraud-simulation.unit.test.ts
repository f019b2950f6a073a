import { describe, expect, it } from 'vitest';
import { simulateOneShot } from '../../src/simulation/one-shot.ts';

describe('one-shot population (fraud benchmark)', () => {
  const pop = simulateOneShot({ seed: 7, senders: 400, fraudRate: 0.2 });

  it('is the same for the same seed, and another for another', () => {
    expect(simulateOneShot({ seed: 7, senders: 400, fraudRate: 0.2 }).ops).toEqual(pop.ops);
    expect(simulateOneShot({ seed: 8, senders: 400, fraudRate: 0.2 }).ops).not.toEqual(pop.ops);
  });

  it('opens and funds every sender before it moves money, in time order', () => {
    const funded = new Set<string>();
    let last = -Infinity;
    for (const op of pop.ops) {
      expect(op.at).toBeGreaterThanOrEqual(last);
      last = op.at;
      if (op.kind === 'deposit') funded.add(op.account);
      if ((op.kind === 'transfer' || op.kind === 'withdraw') && op.account.startsWith('one')) expect(funded.has(op.account)).toBe(true);
    }
  });

  it('labels the victims’ transfers to mules and the mules’ outflows, at about the fraud rate', () => {
    const fraud = [...pop.fraudOps].map((i) => pop.ops[i]!);
    for (const op of fraud) {
      expect(op.kind === 'transfer' || op.kind === 'withdraw').toBe(true);
      if (op.kind === 'transfer') expect(op.to.startsWith('mul')).toBe(true);
      if (op.kind === 'withdraw') expect(op.account.startsWith('mul')).toBe(true);
    }
    const victims = new Set(fraud.filter((op) => op.account.startsWith('one')).map((op) => op.account));
    expect(victims.size).toBeGreaterThanOrEqual(70);
    expect(victims.size).toBeLessThanOrEqual(80);
    expect(pop.fraudSenders.size).toBeGreaterThan(victims.size);
  });
});
