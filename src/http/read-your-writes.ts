import { ApiProblem } from './problem.ts';

/** How far a read model's projection got in a partition (a slice's `position`). */
export interface Projected {
  position(partition: number): Promise<number>;
}

/** ?minPosition=: wait up to waitMs until the read model reflects the client's own write in that partition, else 409. */
export async function waitForProjection(model: Projected, waitMs: number, partition: number, minPosition: number | undefined): Promise<void> {
  if (minPosition === undefined) return;
  const deadline = Date.now() + waitMs;
  let delay = 2;
  for (;;) {
    const reached = await model.position(partition);
    if (reached >= minPosition) return;
    if (Date.now() >= deadline) {
      throw new ApiProblem('read_model_behind', `the read model is at position ${reached} of partition ${partition}, not yet ${minPosition}; retry shortly`, [], { 'Retry-After': '1' });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}
