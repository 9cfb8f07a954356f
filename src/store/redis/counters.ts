import type { Redis, Result } from 'ioredis';
import {
  type Charge,
  type ChargeOutcome,
  type CounterRow,
  type CounterStore,
  type CounterUse,
  WINDOW_MARGIN_MS,
} from '../../gateway/capacity/counter-store.js';

/**
 * Checks every counter, then charges all or none (KEYS: the counters; ARGV: the tokens, then per
 * counter its request limit, token limit (-1: none) and time to live in ms). Answers `{index, 1|2}`
 * (1-based; 1: requests, 2: tokens) for the first counter that would go over, else `{0, requests1,
 * tokens1, …}` as charged. Redis runs a script alone, so this is one atomic step for every daemon.
 */
const CHECK_AND_CHARGE = `
local tokens = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local maxRequests = tonumber(ARGV[i * 3 - 1])
  local maxTokens = tonumber(ARGV[i * 3])
  local held = redis.call('HMGET', key, 'r', 't')
  if maxRequests >= 0 and (tonumber(held[1]) or 0) + 1 > maxRequests then return {i, 1} end
  if maxTokens >= 0 and (tonumber(held[2]) or 0) + tokens > maxTokens then return {i, 2} end
end
local charged = {0}
for i, key in ipairs(KEYS) do
  charged[#charged + 1] = redis.call('HINCRBY', key, 'r', 1)
  charged[#charged + 1] = redis.call('HINCRBY', key, 't', tokens)
  redis.call('PEXPIRE', key, ARGV[i * 3 + 1])
end
return charged
`;

/** Adds ARGV[1] tokens and ARGV[2] requests to each counter that still exists, never going below zero. */
const ADJUST = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    if redis.call('HINCRBY', key, 't', ARGV[1]) < 0 then redis.call('HSET', key, 't', 0) end
    if ARGV[2] ~= '0' and redis.call('HINCRBY', key, 'r', ARGV[2]) < 0 then redis.call('HSET', key, 'r', 0) end
  end
end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    vmxCheckAndCharge(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
    vmxAdjust(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
  }
}

/**
 * Capacity counters in Redis, shared by every daemon: one hash per counter and window
 * (`<prefix><level>:<id>:<period>:<windowStart>`, fields `r` and `t`), expiring when its window ends
 * (plus {@link WINDOW_MARGIN_MS}). The scripts are sent once and run by SHA after (ioredis
 * `defineCommand`). The keys of one admission are read together by one script, so a Redis Cluster
 * needs a hash tag in the prefix (`vmx:{capacity}:`).
 */
export class RedisCounters implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'vmx:capacity:',
  ) {
    redis.defineCommand('vmxCheckAndCharge', { lua: CHECK_AND_CHARGE });
    redis.defineCommand('vmxAdjust', { lua: ADJUST });
  }

  async checkAndCharge(charges: readonly Charge[], tokens: number, now: number): Promise<ChargeOutcome> {
    if (charges.length === 0) return [];
    const keys = charges.map((charge) => this.keyOf(charge.key, charge.windowStart));
    const args: number[] = [tokens];
    for (const charge of charges)
      args.push(charge.maxRequests ?? -1, charge.maxTokens ?? -1, charge.windowEnd - now + WINDOW_MARGIN_MS);
    const answer = await this.redis.vmxCheckAndCharge(keys.length, ...keys, ...args);
    if (answer[0] !== 0) return { index: answer[0]! - 1, dimension: answer[1] === 1 ? 'requests' : 'tokens' };
    return charges.map((charge, i) => ({
      key: charge.key,
      windowStart: charge.windowStart,
      requests: answer[1 + i * 2]!,
      tokens: answer[2 + i * 2]!,
    }));
  }

  async adjust(counters: readonly CounterRow[], delta: number, requests = 0): Promise<void> {
    if (counters.length === 0 || (delta === 0 && requests === 0)) return;
    const keys = counters.map((counter) => this.keyOf(counter.key, counter.windowStart));
    await this.redis.vmxAdjust(keys.length, ...keys, delta, requests);
  }

  async used(key: string, windowStart: number): Promise<CounterUse> {
    const [requests, tokens] = await this.redis.hmget(this.keyOf(key, windowStart), 'r', 't');
    return { requests: Number(requests ?? 0), tokens: Number(tokens ?? 0) };
  }

  private keyOf(key: string, windowStart: number): string {
    return `${this.prefix}${key}:${windowStart}`;
  }
}
