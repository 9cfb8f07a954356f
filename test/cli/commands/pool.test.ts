import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolState } from '../../../src/gateway/pools/scaling.js';
import { openStore } from '../../../src/store/open.js';
import { poolStateKey } from '../../../src/store/redis/pool-states.js';
import { freshDatabase, postgresUrl, type FreshDatabase } from '../../helpers/postgres.js';
import { redisUrl } from '../../helpers/redis.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

type Vmx = ReturnType<typeof cli>;

/** An environment with a budgeted connection (oa), one without a per-minute token limit, and three resources. */
async function setup(vmx: Vmx = cli(tempHome())) {
  await vmx('workspace create acme');
  await vmx('env add dev -w acme');
  await vmx('use acme/dev');
  await vmx('connection add oa --provider openai --api-key-env K --limit 100000t/m --limit 60r/m', {
    env: { K: 'sk-x' },
  });
  await vmx('connection add hourly --provider groq --api-key-env K --limit 5000t/h', { env: { K: 'sk-x' } });
  for (const name of ['chat', 'batch', 'search']) await vmx(`resource add ${name} --model oa/gpt-4o-mini`);
  return vmx;
}

/** A state as the daemon's gate saves it: pool high grew 12 s ago and used 1234 tokens this minute. */
function savedState(now: number): PoolState {
  const minute = now - (now % 60_000);
  return {
    shares: {
      high: {
        current: 90,
        last: { action: 'up', at: now - 12_000, from: 20, to: 90, why: 'needed 85% of the budget this minute' },
      },
    },
    minute: { start: minute, tokens: { high: 1234, low: 50 } },
    recent: [{ start: now - (now % 10_000), tokens: { high: 1234 } }],
  };
}

/**
 * Pools high (chat, 20–100 %) and low (batch, 10–50 %) on a fresh data dir, and the state the daemon
 * would have saved for connection oa (`savedState`, changed by `edit`), early enough in a minute.
 */
async function withSavedState(edit: (state: PoolState) => void = () => {}) {
  const home = tempHome();
  const vmx = await setup(cli(home));
  await vmx('pool set high --rank 1 --min 20 --max 100 --resource chat');
  await vmx('pool set low --rank 2 --min 10 --max 50 --resource batch');
  const oa = (await vmx('connection show oa --json')).json();
  const now = await earlyInTheMinute();
  const state = savedState(now);
  edit(state);
  const store = openStore(join(home, 'vmx.db'));
  store.poolStates.put(oa.id, state, now);
  store.close();
  return { home, vmx, now };
}

/** Out of a minute's last seconds, so that a state saved now is still this minute's when status reads it. */
async function earlyInTheMinute(): Promise<number> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return Date.now();
}

describe('vmx pool', () => {
  it('creates pools, lists them first served first, and shows one by name or id', async () => {
    const vmx = await setup();
    const high = await vmx('pool set high --rank 1 --min 20 --max 100 --resource chat');
    expect([high.code, high.stderr, high.stdout]).toEqual([
      0,
      '',
      'Created pool high (rank 1, 20–100%, resources: chat)\n',
    ]);
    const low = await vmx('pool set low --rank 2 --min 0 --max 50% --resource batch --resource search --json');
    expect(low.code).toBe(0);
    const body = low.json();
    expect(body).toMatchObject({ name: 'low', rank: 2, min: 0, max: 50, resourceNames: ['batch', 'search'] });
    const resources = (await vmx('resource list --json')).json() as { id: string; name: string }[];
    const idOf = (name: string) => resources.find((r) => r.name === name)!.id;
    expect(body.resourceIds).toEqual([idOf('batch'), idOf('search')]);
    expect(body).toMatchObject({ createdBy: 'alice', updatedBy: 'alice' });
    expect(typeof body.id).toBe('string');

    const listed = (await vmx('pool list --json')).json();
    expect(listed.map((p: { name: string }) => p.name)).toEqual(['high', 'low']);
    expect(listed[1]).toEqual(body);
    const table = await vmx('pool list');
    for (const text of ['RANK', 'NAME', 'MIN', 'MAX', 'RESOURCES', 'batch, search', '50%']) {
      expect(table.stdout).toContain(text);
    }
    expect((await vmx(`pool show ${body.id} --json`)).json()).toEqual(body);
    const shown = await vmx('pool show low');
    expect(shown.stdout).toMatch(/^resources: +batch, search$/m);
    expect(shown.stdout).toMatch(/^max: +50%$/m);
    expect((await vmx('pool show nope')).code).toBe(3);
  });

  it('updates only what the flags name; --resource replaces the list', async () => {
    const vmx = await setup();
    const created = (await vmx('pool set low --rank 2 --min 10 --max 50 --resource batch --json')).json();
    const wider = await vmx('pool set low --max 70', { user: 'alice' });
    expect([wider.code, wider.stdout]).toEqual([0, 'Updated pool low (rank 2, 10–70%, resources: batch)\n']);
    const moved = (await vmx('pool set low --resource search --resource chat --json')).json();
    expect(moved).toMatchObject({ id: created.id, rank: 2, min: 10, max: 70, resourceNames: ['search', 'chat'] });
    expect(moved.createdAt).toBe(created.createdAt);
    expect((await vmx('pool list --json')).json()).toHaveLength(1);
  });

  it('refuses bad input with exit 2, unknown resources with 3, a resource of another pool with 5', async () => {
    const vmx = await setup();
    const refused = async (args: string, code: number, message: string) => {
      const out = await vmx(args);
      expect([out.code, out.stderr.split('\n')[0]]).toEqual([code, `error: ${message}`]);
    };
    await refused('pool set p --min 0 --max 10 --resource chat', 2, 'missing required flag --rank');
    await refused('pool set p --rank 1 --max 10 --resource chat', 2, 'missing required flag --min');
    await refused('pool set p --rank 1 --min 0 --resource chat', 2, 'missing required flag --max');
    await refused('pool set p --rank 1 --min 0 --max 10', 2, 'missing required flag --resource');
    await refused(
      'pool set p --rank one --min 0 --max 10 --resource chat',
      2,
      'invalid --rank: must be a whole number',
    );
    await refused(
      'pool set p --rank 1 --min 0.5 --max 10 --resource chat',
      2,
      'invalid --min: must be a whole percentage, e.g. 20 or 20%',
    );
    await refused(
      'pool set p --rank 0 --min 0 --max 10 --resource chat',
      2,
      "pool 'p': rank must be a whole number, 1 or more (1 is served first)",
    );
    await refused(
      'pool set p --rank 1 --min 0 --max 150 --resource chat',
      2,
      "pool 'p': max must be a whole percentage from 0 to 100",
    );
    await refused('pool set p --rank 1 --min 30 --max 20 --resource chat', 2, "pool 'p': min (30%) is above max (20%)");
    await refused('pool set p --rank 1 --min 0 --max 0 --resource chat', 2, "pool 'p': max must be above 0%");
    await refused(
      'pool set p --rank 1 --min 0 --max 10 --resource nope',
      3,
      "resource 'nope' not found in environment 'acme/dev'",
    );
    expect((await vmx('pool set bad/name --rank 1 --min 0 --max 10 --resource chat')).code).toBe(2);

    expect((await vmx('pool set high --rank 1 --min 70 --max 100 --resource chat')).code).toBe(0);
    await refused(
      'pool set low --rank 2 --min 40 --max 100 --resource batch',
      2,
      "the pools' minimums would add up to 110% (high 70%, low 40%); at most 100% can be reserved",
    );
    const conflict = await vmx('pool set low --rank 2 --min 0 --max 100 --resource batch --resource chat --json');
    expect(conflict.code).toBe(5);
    expect(conflict.error()).toEqual({
      code: 'conflict',
      message: "resource 'chat' is already in pool 'high': a resource belongs to one pool at most",
    });
    expect((await vmx('pool list --json')).json().map((p: { name: string }) => p.name)).toEqual(['high']);
  });

  it('removes a pool only when confirmed', async () => {
    const vmx = await setup();
    const pool = (await vmx('pool set high --rank 1 --min 20 --max 100 --resource chat --json')).json();
    expect((await vmx('pool remove high')).code).toBe(2);
    const removed = await vmx('pool remove high --yes --json');
    expect(removed.json()).toEqual({ id: pool.id, name: 'high', deleted: true });
    expect((await vmx('pool show high')).code).toBe(3);
    expect((await vmx('pool remove high --yes')).code).toBe(3);
    expect((await vmx('pool list')).stdout).toContain('no pools yet');
  });

  it('takes a removed resource out of its pool', async () => {
    const vmx = await setup();
    await vmx('pool set low --rank 2 --min 0 --max 50 --resource batch --resource search');
    expect((await vmx('resource remove search --yes')).code).toBe(0);
    expect((await vmx('pool show low --json')).json().resourceNames).toEqual(['batch']);
    // Removing a connection removes its resources (--force), and so takes them out of pools too.
    expect((await vmx('connection remove oa --force --yes')).code).toBe(0);
    expect((await vmx('pool show low --json')).json()).toMatchObject({ resourceIds: [], resourceNames: [] });
  });

  it('status: each pool at its min before any traffic; connections without a per-minute token limit say so', async () => {
    const vmx = await setup();
    expect((await vmx('pool status')).stdout).toContain('no pools yet');
    await vmx('pool set high --rank 1 --min 20 --max 100 --resource chat');
    await vmx('pool set low --rank 2 --min 10 --max 50 --resource batch');
    const status = await vmx('pool status --json');
    expect(status.code).toBe(0);
    expect(status.json()).toEqual([
      {
        connection: 'hourly',
        connectionId: expect.any(String),
        budget: null,
        pools: [],
      },
      {
        connection: 'oa',
        connectionId: expect.any(String),
        budget: 100000,
        pools: [
          { name: 'high', rank: 1, min: 20, current: 20, max: 100, tokensThisMinute: 0, last: null },
          { name: 'low', rank: 2, min: 10, current: 10, max: 50, tokensThisMinute: 0, last: null },
        ],
      },
    ]);
    const human = await vmx('pool status');
    expect(human.stdout).toContain('hourly: no per-minute token limit: pools do not apply');
    expect(human.stdout).toContain('oa: budget 100000 tokens a minute');
    for (const text of ['CURRENT', 'TOKENS THIS MINUTE', 'LAST ACTION']) expect(human.stdout).toContain(text);
    expect((await vmx('pool status --connection nope')).code).toBe(3);
  });

  it('status: the share, tokens this minute and last change the daemon saved', async () => {
    const { vmx, now } = await withSavedState();

    const [status] = (await vmx('pool status --connection oa --json')).json();
    expect(status.pools).toEqual([
      {
        name: 'high',
        rank: 1,
        min: 20,
        current: 90,
        max: 100,
        tokensThisMinute: 1234,
        last: {
          action: 'up',
          at: new Date(now - 12_000).toISOString(),
          from: 20,
          to: 90,
          why: 'needed 85% of the budget this minute',
        },
      },
      { name: 'low', rank: 2, min: 10, current: 10, max: 50, tokensThisMinute: 50, last: null },
    ]);
    const human = await vmx('pool status --connection oa');
    expect(human.stdout).toMatch(/up 20→90% 1\ds ago: needed 85% of the budget this minute/);
    expect(human.stdout).not.toContain('hourly');
  });

  it('resource explain shows the pool decision on the saved allocation', async () => {
    // low is at its max (50 %: 50,000 tokens) and has used 49,999 of them this minute; high, at 50 %,
    // is quiet (2.5 % of the budget a minute lately): it would shrink, but low may not grow past its max.
    const { home, vmx } = await withSavedState((state) => {
      state.shares.high!.current = 50;
      state.shares.low = { current: 50 };
      state.minute.tokens.low = 49_999;
    });
    const request = join(home, 'request.json');
    writeFileSync(request, JSON.stringify({ model: 'batch', messages: [{ role: 'user', content: 'a question' }] }));

    const denied = await vmx(`resource explain batch --request ${request} --json`);
    expect(denied.json().pools).toEqual([
      {
        connection: 'oa',
        pool: 'low',
        budget: 100000,
        admitted: false,
        share: 50,
        used: 49999,
        retryAfterSeconds: expect.any(Number),
      },
    ]);
    const human = await vmx(`resource explain chat --request ${request}`);
    expect(human.stdout).toMatch(
      /^pool: high on oa: admitted, share 50% of 100000 tokens a minute, 1234 used this minute$/m,
    );
    // A resource in no pool: no pool decision.
    expect((await vmx(`resource explain search --request ${request} --json`)).json().pools).toEqual([]);
  });

  it("status: last minute's tokens are not this minute's; a share stays within the pool's bounds", async () => {
    const home = tempHome();
    const vmx = await setup(cli(home));
    await vmx('pool set high --rank 1 --min 20 --max 100 --resource chat');
    const oa = (await vmx('connection show oa --json')).json();
    const store = openStore(join(home, 'vmx.db'));
    store.poolStates.put(oa.id, savedState(Date.now() - 120_000), Date.now() - 120_000);
    store.close();
    const [status] = (await vmx('pool status --connection oa --json')).json();
    expect(status.pools[0]).toMatchObject({ current: 90, tokensThisMinute: 0 });
    // A share saved before the pool's bounds changed is shown within them, as the gate takes it.
    await vmx('pool set high --max 60');
    expect((await vmx('pool status --connection oa --json')).json()[0].pools[0]).toMatchObject({ current: 60 });
  });
});

const shared = postgresUrl() && redisUrl();
const sharedTitle = shared
  ? 'vmx pool status on a shared store with Redis'
  : 'vmx pool status on a shared store with Redis: skipped, VMX_TEST_DATABASE_URL or VMX_TEST_REDIS_URL not set';

describe.skipIf(!shared)(sharedTitle, () => {
  let database: FreshDatabase;
  let redis: Redis;
  const written: string[] = [];
  beforeAll(async () => {
    database = await freshDatabase();
    redis = new Redis(redisUrl()!);
  });
  afterAll(async () => {
    if (written.length) await redis.del(...written);
    redis?.disconnect();
    await database?.drop();
  });

  it('reads the state the daemons keep in Redis, and the table without Redis', async () => {
    const env = { VMX_DATABASE_URL: database.url, VMX_SECRET_KEY: randomBytes(32).toString('base64') };
    const base = cli(tempHome());
    const vmx: Vmx = (args, extra = {}) => base(args, { ...extra, env: { ...env, ...extra.env } });
    await setup(vmx);
    await vmx('pool set high --rank 1 --min 20 --max 100 --resource chat');
    const oa = (await vmx('connection show oa --json')).json();
    const now = await earlyInTheMinute();
    written.push(poolStateKey(oa.id));
    await redis.set(poolStateKey(oa.id), JSON.stringify(savedState(now)));

    const withRedis = await vmx('pool status --connection oa --json', { env: { VMX_REDIS_URL: redisUrl()! } });
    expect([withRedis.code, withRedis.stderr]).toEqual([0, '']);
    expect(withRedis.json()[0].pools[0]).toMatchObject({ current: 90, tokensThisMinute: 1234 });
    // Without Redis the daemons keep the state in PostgreSQL's pool_state, which holds none here.
    const withoutRedis = (await vmx('pool status --connection oa --json')).json();
    expect(withoutRedis[0].pools[0]).toMatchObject({ current: 20, tokensThisMinute: 0 });
  });
});
