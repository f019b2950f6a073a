/**
 * Wraps a task so that calls while it runs coalesce into one more run after it: every call is
 * followed by a run that started after it, and runs never overlap. Errors go to onError.
 */
export function coalesced(task: () => Promise<void>, onError: (err: unknown) => void = () => {}): () => void {
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    running = true;
    try {
      do {
        again = false;
        await task().catch(onError);
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void run();
  };
}
