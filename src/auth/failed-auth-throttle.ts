import { assert } from '../assert.ts';

export interface FailedAuthThrottleOptions {
  /** Failed authentications allowed per client address and window. */
  maxFailures?: number;
  windowMs?: number;
  /** Most addresses tracked at once; the oldest window is dropped first. */
  maxAddresses?: number;
  now?: () => number;
}

/**
 * Throttles failed authentication per client address: past maxFailures in a window, the address
 * is answered 429 until the window ends, before its tokens are even checked, so guessing tokens
 * costs the guesser time and the server nothing. Bounded in memory.
 */
export class FailedAuthThrottle {
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: FailedAuthThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 30;
    this.windowMs = options.windowMs ?? 10_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
    assert(this.maxFailures > 0 && this.windowMs > 0 && this.maxAddresses > 0, 'throttle limits are positive');
  }

  /** Milliseconds the address must wait before it may try again, or 0. */
  retryAfterMs(address: string): number {
    const w = this.current(address);
    return w && w.failures >= this.maxFailures ? w.startedAt + this.windowMs - this.now() : 0;
  }

  recordFailure(address: string): void {
    const w = this.current(address);
    if (w) {
      w.failures++;
      return;
    }
    if (this.windows.size >= this.maxAddresses) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(address, { startedAt: this.now(), failures: 1 });
  }

  private current(address: string): { startedAt: number; failures: number } | null {
    const w = this.windows.get(address);
    if (!w) return null;
    if (this.now() - w.startedAt >= this.windowMs) {
      this.windows.delete(address);
      return null;
    }
    return w;
  }
}
