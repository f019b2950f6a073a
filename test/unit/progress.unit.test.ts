import { describe, expect, it } from 'vitest';
import { formatDuration, progress, progressLine } from '../../src/cli/progress.ts';

const stream = (isTTY: boolean) => {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => (writes.push(t), true) };
};

describe('CLI progress', () => {
  it('says the share done, the counts and an ETA from the pace so far', () => {
    expect(progressLine('rebuild', 250, 1000, 10_000)).toBe('rebuild  25% (250/1,000) ETA 30s');
    expect(progressLine('verify', 1000, 1000, 10_000)).toBe('verify 100% (1,000/1,000)');
    expect(progressLine('demo', 0, 0, 0)).toBe('demo   0% (0/0)');
    expect(formatDuration(83_000)).toBe('1m23s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h05m');
  });

  it('redraws in place on a terminal at most every 100 ms, and clears its line when done', () => {
    let t = 0;
    const out = stream(true);
    const bar = progress('rebuild', 100, out, () => t);
    bar.update(10);
    t = 50;
    bar.update(20); // too soon: skipped
    t = 150;
    bar.update(30);
    t = 160;
    bar.update(100); // the end is always drawn
    bar.done();
    expect(out.writes).toHaveLength(4);
    expect(out.writes[0]).toMatch(/^\rrebuild {2}10% \(10\/100\)/);
    expect(out.writes[2]).toMatch(/^\rrebuild 100% \(100\/100\)/);
    expect(out.writes[3]).toMatch(/^\r +\r$/);
  });

  it('writes nothing when stderr is not a terminal (pipes, logs, CI)', () => {
    const out = stream(false);
    const bar = progress('verify', 10, out);
    bar.update(5);
    bar.done();
    expect(out.writes).toEqual([]);
  });
});
