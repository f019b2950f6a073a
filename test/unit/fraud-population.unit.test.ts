import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type PopulationOptions, generatePopulation } from '../../src/demo/fraud-population.ts';

/**
 * The demo population is a pure function of its options: the same seed gives the same operations
 * and planted patterns, byte for byte. These hashes pin the output so that a refactoring of the
 * generator can prove it changed nothing (the detection-quality figures in BENCHMARKS.md depend on it).
 */
const pinned: Array<[PopulationOptions, number, string]> = [
  [{ seed: 42, accounts: 1000, perRule: 12 }, 44234, '35b34de84c97f08e7bf8103cd1757d86ffc28c127ca1cdf48173520b087f82ba'],
  [{ seed: 42, accounts: 400, perRule: 10 }, 18377, 'bcdc44c971d3acc05c8a187ae5231cac291382314374577bb971c4db2195eabb'],
  [{ seed: 7, accounts: 120, perRule: 3, days: 300, start: '2024-06-01T00:00:00.000Z' }, 7012, '436dd923bf22d7e8e35834f67f7dcf5d5c22f57ce4fbb3c778b0c165c0e234dc'],
];

describe('generatePopulation', () => {
  it.each(pinned)('gives the pinned output for %j', (options, ops, sha256) => {
    const pop = generatePopulation(options);
    expect(pop.ops.length).toBe(ops);
    expect(createHash('sha256').update(JSON.stringify(pop)).digest('hex')).toBe(sha256);
  });
});
