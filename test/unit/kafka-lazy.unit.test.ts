import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/kafka.ts';

/** Value imports and re-exports of a module (type-only ones are erased, dynamic import() is not followed). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/gm)) if (!m[2]) found.push(m[4]!);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(m[1]!);
  return found;
}

/** Every module the entry reaches through static imports, with the chain that reaches it. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const spec of staticImports(file)) {
      const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec;
      if (seen.has(target)) continue;
      seen.set(target, [...seen.get(file)!, target]);
      if (spec.startsWith('.')) queue.push(target);
    }
  }
  return seen;
}

describe('the embedded default does not load kafkajs', () => {
  for (const entry of ['src/cli/serve-command.ts', 'src/projections/projector-worker.ts', 'src/app/system.ts', 'src/app/storage.ts']) {
    it(`${entry} reaches kafkajs only through import() (loaded when KAFKA_BROKERS is set)`, () => {
      const graph = reachable(path.join(PROJECT_ROOT, entry));
      const chain = graph.get('kafkajs');
      expect(chain?.map((f) => path.relative(PROJECT_ROOT, f)), 'static import chain to kafkajs').toBeUndefined();
      expect(graph.size).toBeGreaterThan(10);
    });
  }
});
