import type { ApiDeps } from './context.ts';
import { ApiProblem } from './problem.ts';

/** ?minPosition=: wait briefly until the read model reflects the client's own write, else 409. */
export async function waitForProjection(deps: ApiDeps, partition: number, minPosition: number | undefined): Promise<void> {
  if (minPosition === undefined) return;
  const deadline = Date.now() + deps.config.minPositionWaitMs;
  let delay = 2;
  for (;;) {
    const reached = await deps.projectedPosition(partition);
    if (reached >= minPosition) return;
    if (Date.now() >= deadline) {
      throw new ApiProblem('read_model_behind', `the read model is at position ${reached} of partition ${partition}, not yet ${minPosition}; retry shortly`, [], { 'Retry-After': '1' });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}
