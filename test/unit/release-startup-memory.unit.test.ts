import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { releaseStartupMemory } from '../../src/release-startup-memory.ts';

describe('releaseStartupMemory', () => {
  it('collects without leaving the collector exposed to later contexts', () => {
    expect(runInNewContext('typeof gc')).toBe('undefined');
    releaseStartupMemory();
    releaseStartupMemory();
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });
});
