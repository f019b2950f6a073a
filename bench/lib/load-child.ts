// A load generator in its own process (so its CPU is not the measured process's): receives runLoad's
// options over IPC (the request is fixed: opts.request), answers with the LoadResult.
import { type LoadResult, runLoad } from './http-load.ts';

process.once('message', (msg: { port: number; concurrency: number; seconds: number; headers: Record<string, string>; request: { path: string; body: unknown } }) => {
  void runLoad({ ...msg, next: () => msg.request }).then((result: LoadResult) => process.send?.(result, () => process.exit(0)));
});
