import http from 'node:http';

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  seconds: number;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Keep-alive JSON POSTs with a fixed number of in-flight requests; latencies in ms. */
export async function runLoad(opts: {
  port: number;
  concurrency: number;
  seconds: number;
  next: (i: number) => { path: string; body: unknown };
  okStatus?: number;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let i = 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const one = (path: string, body: string): Promise<number> =>
    new Promise((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: opts.port, path, method: 'POST', agent, headers: { ...opts.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const worker = async () => {
    while (performance.now() < deadline) {
      const { path, body } = opts.next(i++);
      const t0 = performance.now();
      const status = await one(path, JSON.stringify(body));
      latencies.push(performance.now() - t0);
      if (status === (opts.okStatus ?? 201)) ok++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(1));
  return { requests: latencies.length, ok, errors, seconds: Number(seconds.toFixed(2)), rate: Math.round(ok / seconds), p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) };
}
