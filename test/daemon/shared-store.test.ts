import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { freshDatabase, postgresUrl, type FreshDatabase } from '../helpers/postgres.js';
import { alive, freePort, started, until } from '../helpers/processes.js';
import { cli } from '../helpers/run-cli-in-process.js';
import { tempHome } from '../helpers/temp-home.js';
import { expectWithinBudget } from '../helpers/time-budget.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const databaseServer = postgresUrl();
const redisUrl = process.env.VMX_TEST_REDIS_URL || undefined;
const ready = Boolean(databaseServer && redisUrl);
const title = ready
  ? 'three daemons on one PostgreSQL and one Redis'
  : 'three daemons on a shared store: skipped, VMX_TEST_DATABASE_URL and VMX_TEST_REDIS_URL are both needed';

interface Daemon {
  url: string;
  pid: number;
  kill(): void;
}

/** A daemon process with a data dir of its own, on the shared store the environment names. */
async function startDaemon(env: Record<string, string>): Promise<Daemon> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(root, 'dist/daemon/main.js'), '--home', tempHome(), '--port', String(port), '--log-format', 'none'],
    { env: { ...process.env, ...env }, stdio: 'ignore' },
  );
  started.add(child.pid!);
  const url = `http://127.0.0.1:${port}`;
  await until(`the daemon on ${port}`, async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok);
  return { url, pid: child.pid!, kill: () => child.kill('SIGKILL') };
}

const chat = (daemon: Daemon, key: string, model = 'chat') =>
  fetch(`${daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });

const models = async (daemon: Daemon, key: string) =>
  (await fetch(`${daemon.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status;

/** Waits out the last seconds of a minute, so that a burst against a per-minute limit stays in one window. */
async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 3_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe.skipIf(!ready)(title, () => {
  let database: FreshDatabase;
  let fake: FakeOpenAI;
  let env: Record<string, string>;
  let admin: ReturnType<typeof cli>;
  let daemons: Daemon[];
  let key: string;

  beforeAll(async () => {
    database = await freshDatabase();
    fake = await startFakeOpenAI({ record: false });
    env = {
      VMX_DATABASE_URL: database.url,
      VMX_REDIS_URL: redisUrl!,
      VMX_SECRET_KEY: randomBytes(32).toString('base64'),
    };
    // A fourth machine: the CLI with a data dir of its own, on the same URLs.
    const home = tempHome();
    const run = cli(home);
    admin = (args, extra = {}) => run(args, { ...extra, env: { ...env, ...extra.env } });
    for (const command of [
      'workspace create acme',
      'env add dev -w acme',
      'use acme/dev',
      `connection add up --provider openai --base-url ${fake.url} --api-key-stdin --limit 5r/m`,
      `connection add free --provider openai --base-url ${fake.url} --api-key-stdin`,
      'resource add chat --model up/fake-model',
      'resource add free-chat --model free/fake-model',
    ]) {
      const result = await admin(command, { input: 'sk-shared-test\n' });
      expect([command, result.code, result.stderr]).toEqual([command, 0, '']);
    }
    key = (await admin('key create load --json')).json().key;
    daemons = await Promise.all([startDaemon(env), startDaemon(env), startDaemon(env)]);
  });
  afterAll(async () => {
    for (const daemon of daemons ?? []) daemon.kill();
    await fake?.close();
    await database?.drop();
  });

  it('a connection limited to 5r/m admits exactly 5 of 30 concurrent requests over the three', async () => {
    await awayFromMinuteEnd();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(daemons[i % 3]!, key)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    for (const answer of answers.filter((a) => a.status === 429))
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    await Promise.all(answers.map((a) => a.text()));
  });

  it('a key made by the CLI elsewhere works on all three, and a revoked one is refused on all three', async () => {
    const made = (await admin('key create fresh --json')).json();
    const createdAt = performance.now();
    await Promise.all(daemons.map((d) => until('the new key', async () => (await models(d, made.key)) === 200)));
    expectWithinBudget(performance.now() - createdAt, 1_000, 'a new key known to all three daemons');

    expect((await admin(`key revoke ${made.id} --yes`)).code).toBe(0);
    const revokedAt = performance.now();
    await Promise.all(daemons.map((d) => until('the revocation', async () => (await models(d, made.key)) === 401)));
    expectWithinBudget(performance.now() - revokedAt, 1_000, 'a revoked key refused by all three daemons');
  });

  it('after kill -9 of one daemon the other two serve on, and usage shows every request of all three', async () => {
    // The records of the first test are written within a batch interval; then one daemon dies.
    await new Promise((resolve) => setTimeout(resolve, 500));
    daemons[0]!.kill();
    await until('the daemon gone', () => !alive(daemons[0]!.pid));
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => chat(daemons[1 + (i % 2)]!, key, 'free-chat')),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await Promise.all(answers.map((a) => a.text()));
    const total = async () => {
      const rows = (await admin('usage --json')).json().rows as Array<{ resource: string; requests: number }>;
      return Object.fromEntries(rows.map((r) => [r.resource, r.requests]));
    };
    expect(
      await until('usage of all three daemons', async () => {
        const seen = await total();
        return seen.chat === 30 && seen['free-chat'] === 6 && seen;
      }),
    ).toEqual({ chat: 30, 'free-chat': 6 });
  });

  it('two daemons started at the same instant on an empty database both come up (migrations run once)', async () => {
    const empty = await freshDatabase();
    try {
      const pair = await Promise.all([
        startDaemon({ ...env, VMX_DATABASE_URL: empty.url }),
        startDaemon({ ...env, VMX_DATABASE_URL: empty.url }),
      ]);
      for (const daemon of pair) {
        expect((await fetch(`${daemon.url}/healthz`)).ok).toBe(true);
        daemon.kill();
      }
    } finally {
      await empty.drop();
    }
  });
});
