/**
 * Runs reloads one at a time and coalesces a storm: while one runs, every further request joins
 * a single queued run that starts when the current one ends. Twenty SIGHUPs in a row cost at
 * most two full re-reads, and the last one always sees the newest files.
 */
export function createReloadQueue(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const start = (): Promise<void> => {
    const current = run().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  };

  return () => {
    if (!running) return start();
    if (!queued) {
      queued = running
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return start();
        });
    }
    return queued;
  };
}
