/**
 * The work that follows batches in this daemon (sync streams, callback posters), so that closing the
 * daemon stops all of it at once. The batches themselves are in the store and run on without it.
 */
export class BatchFollowers {
  private readonly running = new Map<AbortController, Promise<void>>();

  /** Runs `work` until it ends or {@link stop} aborts its signal; a rejection is handed to `onError`. */
  follow(work: (signal: AbortSignal) => Promise<void>, onError: (error: unknown) => void): AbortController {
    const controller = new AbortController();
    const done = work(controller.signal)
      .catch(onError)
      .finally(() => this.running.delete(controller));
    this.running.set(controller, done);
    return controller;
  }

  /** Aborts everything and waits for it to wind up. */
  async stop(): Promise<void> {
    for (const controller of this.running.keys()) controller.abort();
    await Promise.allSettled([...this.running.values()]);
  }
}
