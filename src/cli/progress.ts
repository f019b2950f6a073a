/** What a long CLI task tells of its advance: a count of work done out of a total. */
export interface Progress {
  /** The work done so far (and the total, when it grew). */
  update(done: number, total?: number): void;
  /** Clears the line (before the task prints its own lines, or at its end); a later update draws it again. */
  done(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

const REDRAW_MS = 100;

/** 83 s → "1m23s"; 4 s → "4s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One line: "rebuild  42% (420,000/1,000,000) ETA 1m05s". */
export function progressLine(label: string, done: number, total: number, elapsedMs: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const pct = `${Math.floor(share * 100)}%`.padStart(4);
  const eta = share > 0 && share < 1 ? ` ETA ${formatDuration((elapsedMs / share) * (1 - share))}` : '';
  return `${label} ${pct} (${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')})${eta}`;
}

/**
 * A percentage with an ETA, redrawn in place on stderr at most every 100 ms, and nothing at all
 * when stderr is not a terminal (a pipe, a log file, CI): output stays clean for scripts.
 */
export function progress(label: string, total: number, stream: ProgressStream = process.stderr, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = now();
  let drawn = Number.NEGATIVE_INFINITY;
  let width = 0;
  const draw = (line: string) => {
    stream.write(`\r${line.padEnd(width)}`);
    width = line.length;
  };
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) total = newTotal;
      const t = now();
      if (t - drawn < REDRAW_MS && done < total) return;
      drawn = t;
      draw(progressLine(label, done, total, t - started));
    },
    done() {
      if (width > 0) stream.write(`\r${' '.repeat(width)}\r`);
      width = 0;
      drawn = Number.NEGATIVE_INFINITY;
    },
  };
}
