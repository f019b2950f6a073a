import { execFileSync } from 'node:child_process';
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

  it('uses the collector a process started with --expose-gc already has, and leaves the flag set', () => {
    const script = `import { runInNewContext } from 'node:vm';
      const { releaseStartupMemory } = await import(${JSON.stringify(new URL('../../src/release-startup-memory.ts', import.meta.url).href)});
      releaseStartupMemory();
      console.log(typeof gc, runInNewContext('typeof gc'));`;
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('function function');
  });
});
