import { expect } from 'vitest';
import type { Reply } from './harness.ts';

/** Asserts a problem+json reply with a status and code, no stack trace, and optionally the invalid field named. */
export function expectProblem(res: Reply, status: number, code: string, field?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.code).toBe(code);
  expect(res.body.type).toBe(`/problems/${code}`);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  if (field) expect((res.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
}
