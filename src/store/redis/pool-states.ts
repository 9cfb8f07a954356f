import type { Redis, Result } from 'ioredis';
import type { PoolState } from '../../gateway/pools/scaling.js';
import type { PoolStateStore, PoolStep } from '../../gateway/pools/state-store.js';
import { OneAtATime } from '../one-at-a-time.js';

/**
 * Replaces KEYS[1] with ARGV[2] (expiring in ARGV[3] ms) only if it still holds ARGV[1] ('' for no
 * value): 1 when it did, 0 when another daemon wrote first.
 */
const SWAP = `
local held = redis.call('GET', KEYS[1]) or ''
if held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    vmxPoolSwap(key: string, held: string, value: string, ttlMs: number): Result<number, Context>;
  }
}

/** The Redis key of a connection's pool state (a JSON `PoolState`): what `vmx pool status` reads. */
export const poolStateKey = (connectionId: string, prefix = 'vmx:pool:'): string => `${prefix}${connectionId}`;

/** A state no daemon touched for this long is forgotten (every pool starts at its min again). */
const STATE_TTL_MS = 60 * 60_000;
/** Swaps lost to other daemons in a row before the step gives up (and the request gets a 503). */
const MAX_SWAPS = 50;

/**
 * Pool allocations in Redis: one JSON string per connection (`vmx:pool:<connectionId>`, what `vmx
 * pool status` reads). A step reads the value, computes, and swaps the new value in only if nobody
 * wrote meanwhile (a compare-and-swap script), else reads again; within a daemon, steps on one
 * connection queue, so swaps are lost only to other daemons.
 */
export class RedisPoolStates implements PoolStateStore {
  private readonly queue = new OneAtATime();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'vmx:pool:',
  ) {
    redis.defineCommand('vmxPoolSwap', { numberOfKeys: 1, lua: SWAP });
  }

  update<R>(connectionId: string, step: PoolStep<R>): Promise<R> {
    const key = poolStateKey(connectionId, this.prefix);
    return this.queue.run(connectionId, async () => {
      for (let i = 0; i < MAX_SWAPS; i++) {
        const held = (await this.redis.get(key)) ?? '';
        const { state, result } = step(held ? (JSON.parse(held) as PoolState) : undefined);
        if (!state) return result;
        if ((await this.redis.vmxPoolSwap(key, held, JSON.stringify(state), STATE_TTL_MS)) === 1) return result;
      }
      throw new Error(`pool state of connection ${connectionId} kept changing under ${MAX_SWAPS} attempts`);
    });
  }
}
