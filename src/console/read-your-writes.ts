import type { ConsoleContext } from './context.ts';

const NUMBER = /^\d{1,15}$/;

/**
 * After a change made in the console, the page it redirects to reads its own write: the redirect
 * carries the change's position (and partition), handed to the API as ?minPosition=&partition=.
 */
export function afterWrite(c: ConsoleContext): { minPosition?: string; partition?: string } {
  const minPosition = c.req.query('minPosition') ?? '';
  const partition = c.req.query('partition') ?? '';
  return { ...(NUMBER.test(minPosition) ? { minPosition } : {}), ...(NUMBER.test(partition) ? { partition } : {}) };
}

/** The query string of a redirect after a change that the API answered with its position. */
export function written(change: { position: number; partition?: number }): string {
  return `minPosition=${change.position}${change.partition === undefined ? '' : `&partition=${change.partition}`}`;
}
