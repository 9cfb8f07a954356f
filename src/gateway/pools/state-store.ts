import type { PoolState } from './scaling.js';

/** One step on a connection's pool state: the state to save (undefined: nothing changed) and what the caller gets back. */
export type PoolStep<R> = (state: PoolState | undefined) => { state: PoolState | undefined; result: R };

/**
 * Where each connection's pool allocation lives: the daemon's memory (the embedded default, answering
 * at once) or a store every daemon shares (Redis, PostgreSQL; answering through promises). The gate
 * computes (scaling.ts); a store only runs a step atomically: no two steps on one connection — in
 * this daemon or, on a shared store, in any daemon — ever see the same state.
 */
export interface PoolStateStore {
  update<R>(connectionId: string, step: PoolStep<R>): R | Promise<R>;
}

/**
 * The embedded store: a map, stepped synchronously (one event loop: atomic by construction). What
 * changed is taken by the recorder and saved with the next batch, for `vmx pool status` and restarts.
 */
export class MemoryPoolStates implements PoolStateStore {
  private readonly states = new Map<string, PoolState>();
  private readonly dirty = new Set<string>();

  /** @param saved the states the store kept (the last daemon's). */
  constructor(saved: Iterable<[string, PoolState]> = []) {
    for (const [connectionId, state] of saved) this.states.set(connectionId, state);
  }

  update<R>(connectionId: string, step: PoolStep<R>): R {
    const { state, result } = step(this.states.get(connectionId));
    if (state) {
      this.states.set(connectionId, state);
      this.dirty.add(connectionId);
    }
    return result;
  }

  /** States changed since the last call, for the recorder to persist. */
  takeDirty(): { connectionId: string; state: PoolState }[] {
    const changed = [...this.dirty].map((connectionId) => ({ connectionId, state: this.states.get(connectionId)! }));
    this.dirty.clear();
    return changed;
  }
}
