import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { ApiProblem } from '../problem.ts';

export interface RateLimitOptions {
  /** Tokens added per second (sustained request rate); 0 disables the limit. */
  ratePerSecond: number;
  /** Bucket size (largest burst). */
  burst: number;
  /** Most buckets kept; the longest-idle are dropped first (a dropped bucket starts full). */
  maxBuckets?: number;
  now?: () => number;
  onLimited?: () => void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per principal (API key or JWT subject): 429 with Retry-After when empty. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const { ratePerSecond: rate, burst } = options;
  const maxBuckets = options.maxBuckets ?? 100_000;
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();
  return async (c, next) => {
    if (rate <= 0) return next();
    const id = c.get('principal').actor;
    const t = now();
    let bucket = buckets.get(id);
    if (bucket) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      // Re-insert: Map order then runs from longest idle to most recent.
      buckets.delete(id);
    } else {
      bucket = { tokens: burst, at: t };
      if (buckets.size >= maxBuckets) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
    }
    buckets.set(id, bucket);
    if (bucket.tokens < 1) {
      options.onLimited?.();
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      throw new ApiProblem('rate_limited', `this key is limited to ${rate} requests per second (burst ${burst}); retry after ${retryAfter} s`, [], { 'Retry-After': String(retryAfter) });
    }
    bucket.tokens -= 1;
    await next();
  };
}
