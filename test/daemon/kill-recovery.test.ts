import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSecrets, FileStore } from '../../src/store/credentials/index.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../src/gateway/key-material.js';
import { openStore, type Store } from '../../src/store/open.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { tempHome } from '../helpers/temp-home.js';
import { expectWithinBudget } from '../helpers/time-budget.js';

/**
 * kill -9 under load (DESIGN.md "Capacity", "The request pipeline" step 7): a real daemon process
 * answers ~1,000 requests a second from keys with request limits, is killed mid-way and started again.
 * No key gets past its limit (charges are journaled before the answer they admit), requests answered
 * just before the kill are the only ones that may lack usage rows, and the database is sound.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const KEYS = 4;
const LIMIT = 2_500;
const CONCURRENCY = 16;
/** The kill comes when half of all the keys' requests are spent, whatever the machine's pace. */
const KILL_AT = (KEYS * LIMIT) / 2;
/** Load goes on until every key has been refused after the restart, or this long. */
const LOAD_CAP_MS = 60_000;
/** The most a request may have been answered before the kill and still lack its rows (the batch interval is 50 ms). */
const ROW_LOSS_WINDOW_MS = 1_000;

interface Answer {
  key: number;
  status: number;
  requestId: string | null;
  at: number;
}

describe('kill -9 under load', () => {
  let home: string;
  let fake: FakeOpenAI;
  let store: Store;
  let daemon: ChildProcess | undefined;
  const keys: string[] = [];

  beforeAll(async () => {
    home = tempHome();
    fake = await startFakeOpenAI({ record: false });
    store = openStore(join(home, 'vmx.db'));
    const workspace = store.workspaces.create({ name: 'acme', user: 'alice' });
    const environment = store.environments.create({
      workspaceId: workspace.id,
      workspaceName: 'acme',
      name: 'dev',
      user: 'alice',
    });
    const connection = store.connections.create({
      environmentId: environment.id,
      name: 'up',
      provider: 'openai',
      config: { baseUrl: fake.url },
      capacity: [],
      user: 'alice',
    });
    new ConnectionSecrets(new FileStore(home), {}).write(connection.id, { apiKey: 'sk-kill-test' });
    store.resources.create(
      environment.id,
      singleModelResource('chat', { connectionId: connection.id, model: 'fake-model' }),
      'alice',
    );
    for (let i = 0; i < KEYS; i++) {
      const key = generateApiKey();
      store.apiKeys.create({
        environmentId: environment.id,
        name: `limited-${i}`,
        keyHash: hashApiKey(key),
        maskedKey: maskApiKey(key),
        resources: null,
        // A month: the test never straddles a window boundary that would rightly reset the counters.
        capacity: [{ period: 'month', requests: LIMIT }],
        expiresAt: null,
        user: 'alice',
      });
      keys.push(key);
    }
  });
  afterAll(async () => {
    daemon?.kill('SIGKILL');
    store.close();
    await fake.close();
  });

  async function start(port = 0): Promise<string> {
    daemon = spawn(
      process.execPath,
      [join(root, 'dist/daemon/main.js'), '--home', home, '--port', String(port), '--log-format', 'none'],
      {
        env: { ...process.env, VMX_CREDENTIAL_STORE: 'file' },
        stdio: 'ignore',
      },
    );
    for (let waited = 0; waited < 15_000; waited += 50) {
      try {
        const { pid, url } = JSON.parse(readFileSync(join(home, 'vmx.pid'), 'utf8')) as { pid: number; url: string };
        if (pid === daemon.pid && (await fetch(`${url}/healthz`)).ok) return url;
      } catch {
        // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the daemon did not start');
  }

  it('no key gets past its limit, rows are lost only for the last moments, the database is sound', async () => {
    const url = await start();
    const port = Number(new URL(url).port);
    const pool = new Pool(url, { connections: CONCURRENCY });
    const answers: Answer[] = [];
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    const ask = async (key: number): Promise<void> => {
      try {
        const response = await pool.request({
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { authorization: `Bearer ${keys[key]}` },
          body,
        });
        await response.body.text();
        answers.push({
          key,
          status: response.statusCode,
          requestId: response.headers['x-vmx-request-id'] as string,
          at: Date.now(),
        });
      } catch {
        // the daemon is down: not an answer
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    const begun = Date.now();
    let killedAt = 0;
    /** When the killed process was seen gone: answers it sent may still arrive until then. */
    let diedAt = 0;
    let admitted = 0;
    const refusedAfterRestart = new Set<number>();
    const killer = (async () => {
      while (answers.filter((a) => a.status === 200).length < KILL_AT)
        await new Promise((resolve) => setTimeout(resolve, 2));
      killedAt = Date.now();
      admitted = answers.filter((a) => a.status === 200).length;
      daemon!.kill('SIGKILL');
      await new Promise((resolve) => daemon!.once('exit', resolve));
      diedAt = Date.now();
      await start(port); // the stale pidfile of the killed daemon must not stand in the way
    })();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        for (let i = worker; refusedAfterRestart.size < KEYS && Date.now() - begun < LOAD_CAP_MS; i += CONCURRENCY) {
          const key = i % KEYS;
          await ask(key);
          const last = answers.at(-1);
          if (killedAt && last?.key === key && last.status === 429 && last.at > killedAt) refusedAfterRestart.add(key);
        }
      }),
    );
    await killer;
    await pool.close();
    expect(refusedAfterRestart.size).toBe(KEYS);
    const rate = answers.filter((a) => a.at < killedAt).length / ((killedAt - begun) / 1000);
    expect(admitted).toBeGreaterThanOrEqual(KILL_AT);

    for (let key = 0; key < KEYS; key++) {
      const answeredOk = answers.filter((a) => a.key === key && a.status === 200).length;
      expect(answeredOk, `key ${key}`).toBeLessThanOrEqual(LIMIT);
    }
    expect(answers.some((a) => a.at > killedAt && a.status === 200)).toBe(true);

    // Rows: stop the daemon cleanly so everything after the restart is written, then look.
    daemon!.kill('SIGTERM');
    await new Promise((resolve) => daemon!.once('exit', resolve));
    const answered = answers.filter((a) => a.requestId);
    const missing = answered.filter((a) => store.usage.forRequest(a.requestId!).length === 0);
    const before = missing.map((a) => diedAt - a.at);
    console.log(
      `kill -9 at ${((killedAt - begun) / 1000).toFixed(1)} s into ~${Math.round(rate)} req/s: ${answered.length} answers, ${missing.length} without usage rows, ` +
        `answered ${before.length ? `${Math.min(...before)}–${Math.max(...before)} ms` : 'never'} before the process was gone`,
    );
    for (const a of missing) {
      expect(a.at).toBeLessThanOrEqual(diedAt);
      expectWithinBudget(
        diedAt - a.at,
        ROW_LOSS_WINDOW_MS,
        `request ${a.requestId} answered before the process was gone`,
      );
    }
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 90_000);
});
