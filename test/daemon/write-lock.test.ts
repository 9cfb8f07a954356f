import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { expectWithinBudget } from '../helpers/time-budget.js';

/**
 * The event loop never waits on a database lock (DESIGN.md "The request pipeline", step 7): while
 * another process holds SQLite's write lock, requests and /healthz are answered as usual, and the
 * records they made arrive once the lock is released, none lost.
 */

const HOLD_MS = 5_000;

/** Another process takes the write lock (BEGIN IMMEDIATE) and holds it; resolves once it has it. */
async function holdWriteLock(dbPath: string, ms: number): Promise<{ released: Promise<void>; held(): boolean }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    console.log('locked');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, dbPath, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  await once(lines, 'line');
  let held = true;
  const released = once(child, 'exit').then(() => {
    held = false;
  });
  return { released, held: () => held };
}

describe('a write lock held by another process', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('delays the records, never the requests', { retry: 2 }, async () => {
    const lock = await holdWriteLock(join(gw.home, 'vmx.db'), HOLD_MS);
    const started = Date.now();
    const latencies: number[] = [];
    const requestIds: string[] = [];
    let healthz = 0;
    while (Date.now() - started < HOLD_MS - 1_000) {
      const t = performance.now();
      const response = await fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.key}` },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.text();
      latencies.push(performance.now() - t);
      expect(response.status).toBe(200);
      requestIds.push(response.headers.get('x-vmx-request-id')!);
      if ((await fetch(`${gw.url}/healthz`)).ok) healthz++;
    }
    // Everything above was answered while the lock was held: none of it could be written yet.
    expect(lock.held()).toBe(true);
    expect(gw.store.usage.forRequest(requestIds.at(-1)!)).toHaveLength(0);
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1]!;
    expect(latencies.length).toBeGreaterThan(20);
    expect(healthz).toBe(latencies.length);
    expectWithinBudget(p99, 50, `p99 of ${latencies.length} requests`);

    await lock.released;
    await eventually(
      () => requestIds.every((id) => gw.store.usage.forRequest(id).length === 1 && gw.store.audit.get(id)),
      10_000,
    );
  });
});
