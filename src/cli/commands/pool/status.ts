import { windowOf } from '../../../gateway/capacity/windows.js';
import { minuteTokenBudget } from '../../../gateway/pools/gate.js';
import type { PoolState } from '../../../gateway/pools/scaling.js';
import { readPoolStates } from '../../../store/pool-state-reader.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { Pool } from '../../../store/repos/pools.js';
import type { Output } from '../../io/output.js';
import { findConnection } from '../../lookup.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, text } from '../../verb.js';
import { formatUptime } from '../daemon/daemon-process.js';
import { NO_POOLS } from './view.js';

type ConnectionStatus = ReturnType<typeof connectionStatus>;

export const verb = defineVerb({
  flags: { connection: text('--connection <name|id>', 'only this connection') },
  async run({ connection }, ctx) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const pools = await store.pools.list(scope.environment.id);
    const connections = connection
      ? [await findConnection(scope, store, connection)]
      : await store.connections.list(scope.environment.id);
    if (pools.length === 0 && !ctx.out.json) {
      ctx.out.message(NO_POOLS);
      return;
    }
    const governed = pools.length === 0 ? [] : connections.filter((c) => budgetOf(c) !== null);
    const states = await readPoolStates(
      store,
      ctx.storeUrls().redisUrl,
      governed.map((c) => c.id),
    );
    const now = Date.now();
    printStatus(
      ctx.out,
      connections.map((c) => connectionStatus(c, pools, states.get(c.id), now)),
      now,
    );
  },
});

/** The pools' budget on a connection: its per-minute token limit, if it has one. */
const budgetOf = (connection: Connection): number | null => minuteTokenBudget(connection.capacity) ?? null;

/** Each pool on one connection: its share now (its min until the gate saved a state) and its tokens this minute. */
function connectionStatus(connection: Connection, pools: Pool[], state: PoolState | undefined, now: number) {
  const budget = budgetOf(connection);
  const thisMinute = state?.minute.start === windowOf('minute', now).start ? state.minute.tokens : {};
  return {
    connection: connection.name,
    connectionId: connection.id,
    budget,
    pools:
      budget === null
        ? []
        : pools.map((pool) => {
            const share = state?.shares[pool.name];
            const last = share?.last;
            return {
              name: pool.name,
              rank: pool.rank,
              min: pool.min,
              // Within the pool's bounds as they are now, as the gate will take it (they may have changed since).
              current: Math.min(pool.max, Math.max(pool.min, share?.current ?? pool.min)),
              max: pool.max,
              tokensThisMinute: thisMinute[pool.name] ?? 0,
              last: last ? { ...last, at: new Date(last.at).toISOString() } : null,
            };
          }),
  };
}

/** One table per connection with a budget; a line for each without. */
function printStatus(out: Output, statuses: ConnectionStatus[], now: number): void {
  if (out.json) return out.writeJson(statuses);
  if (statuses.length === 0) return out.message('no connections yet: pools share the budgets of connections');
  for (const status of statuses) {
    if (status.budget === null) {
      out.message(`${status.connection}: no per-minute token limit: pools do not apply`);
      continue;
    }
    out.message(`${status.connection}: budget ${status.budget} tokens a minute`);
    out.list(status.pools, [
      { header: 'RANK', value: (p) => p.rank },
      { header: 'POOL', value: (p) => p.name },
      { header: 'MIN', value: (p) => `${p.min}%` },
      { header: 'CURRENT', value: (p) => `${p.current}%` },
      { header: 'MAX', value: (p) => `${p.max}%` },
      { header: 'TOKENS THIS MINUTE', value: (p) => p.tokensThisMinute },
      {
        header: 'LAST ACTION',
        value: ({ last }) =>
          last &&
          `${last.action} ${last.from}→${last.to}% ${formatUptime(Math.max(0, now - Date.parse(last.at)))} ago: ${last.why}`,
      },
    ]);
  }
}
