/**
 * Where a worker thread starts: `name`.js beside `from` in dist; from the sources (dev, tests) `name`.ts,
 * loaded through tsx. Node 20 applies neither the parent's `--import tsx` nor one in the worker's execArgv to
 * a worker's entry file (Node 22+ does), so there the worker starts from tsx-worker.mjs, which registers tsx
 * in its thread and then imports the source. The same entry serves a child process (`fork`).
 */
export function workerEntry(from: string, name: string): { url: URL; options: { execArgv?: string[]; argv?: string[] } } {
  if (!from.endsWith('.ts')) return { url: new URL(`./${name}.js`, from), options: {} };
  const source = new URL(`./${name}.ts`, from).href;
  return { url: new URL('./tsx-worker.mjs', import.meta.url), options: { execArgv: [], argv: [source] } };
}
