import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import type { UsageRecord } from '../../src/store/repos/usage.js';
import { prune, retentionPolicy } from '../../src/store/retention.js';
import { usageRow } from '../helpers/history-rows.js';
import { tempHome } from '../helpers/temp-home.js';

const HOUR = 3_600_000;

const row = (requestId: string, at: number, fields: Partial<UsageRecord> = {}): UsageRecord =>
  usageRow({
    requestId,
    at,
    environmentId: 'e',
    connectionId: 'c',
    model: 'gpt-4o-mini',
    inputTokens: 10,
    outputTokens: 5,
    totalTokens: 15,
    cachedTokens: 2,
    durationMs: 100,
    providerMs: 90,
    gateMs: 0,
    costNano: 7,
    ...fields,
  });

describe('usage roll-up', () => {
  it('keeps every hour in step with the raw rows and reports the same before and after pruning', async () => {
    const store = openStore(join(tempHome(), 'vmx.db'));
    const now = Math.floor(Date.now() / HOUR) * HOUR + 20 * 60_000;
    const rows: UsageRecord[] = [];
    for (let i = 0; i < 500; i++) {
      const at = now - 72 * HOUR + i * 8 * 60_000 + 13;
      const failed = i % 7 === 0;
      rows.push(
        row(`r${i}`, at, {
          model: i % 2 ? 'gpt-4o-mini' : 'llama',
          keyId: i % 3 ? 'k1' : null,
          status: failed ? 502 : 200,
          final: !failed,
          inputTokens: failed ? null : i,
          outputTokens: failed ? null : 2 * i,
          totalTokens: failed ? null : 3 * i,
          costNano: failed ? 0 : i % 2 ? 5 * i : null,
          durationMs: 20 + i,
          ttftMs: i % 4 ? 5 + i / 2 : null,
        }),
      );
      if (failed) rows.push(row(`r${i}`, at + 1, { attempt: 1, model: 'fallback', durationMs: 40 + i }));
    }
    // In several batches, so hours are built up by more than one upsert.
    for (let i = 0; i < rows.length; i += 37) store.usage.insertMany(rows.slice(i, i + 37));
    const query = (since: number, until: number, by: Parameters<typeof store.usage.report>[0]['by']) =>
      store.usage.report({ environmentId: 'e', since, until, by });

    // Whole hours, ragged edges, a window inside one hour, filters.
    const windows: Array<[number, number]> = [
      [now - 80 * HOUR, now + HOUR],
      [now - 71 * HOUR - 17 * 60_000, now - 3 * HOUR + 11 * 60_000],
      [now - 10 * HOUR + 60_000, now - 10 * HOUR + 50 * 60_000],
    ];
    for (const [since, until] of windows) {
      const all = query(since, until, []).rows[0]?.figures;
      const inWindow = rows.filter((r) => r.at >= since && r.at < until);
      expect(all?.requests ?? 0).toBe(inWindow.filter((r) => r.final).length);
      expect(all?.attempts ?? 0).toBe(inWindow.length);
      expect(all?.errors ?? 0).toBe(inWindow.filter((r) => r.status >= 400).length);
      expect(all?.fallbacks ?? 0).toBe(inWindow.filter((r) => !r.final).length);
      expect(all?.inputTokens ?? 0).toBe(inWindow.reduce((s, r) => s + (r.inputTokens ?? 0), 0));
      expect(all?.costNano ?? 0).toBe(inWindow.reduce((s, r) => s + (r.costNano ?? 0), 0));
      expect(all?.unpriced ?? 0).toBe(inWindow.filter((r) => r.costNano === null).length);
    }

    const aligned: [number, number] = [now - 80 * HOUR - 20 * 60_000, now + 40 * 60_000];
    const byModel = query(...aligned, ['model', 'key']);
    const byHour = query(...aligned, ['hour']);
    const filtered = store.usage.report({
      environmentId: 'e',
      since: aligned[0],
      until: aligned[1],
      by: ['model'],
      keyId: 'k1',
      resource: 'chat',
    });
    expect(byHour.rows).toHaveLength(new Set(rows.map((r) => Math.floor(r.at / HOUR))).size);

    store.settings.set('retention.usage-raw', '1d');
    const summary = await prune(store, retentionPolicy(store.settings), { now });
    expect(summary.changed['usage-raw']).toBeGreaterThan(300);
    expect(store.usage.rawFloor()).toBe(now - 20 * 60_000 - 24 * HOUR);
    expect(query(...aligned, ['model', 'key'])).toEqual(byModel);
    expect(query(...aligned, ['hour'])).toEqual(byHour);
    expect(
      store.usage.report({
        environmentId: 'e',
        since: aligned[0],
        until: aligned[1],
        by: ['model'],
        keyId: 'k1',
        resource: 'chat',
      }),
    ).toEqual(filtered);
    // An edge inside a pruned hour moves back to the start of that hour.
    const ragged = query(now - 50 * HOUR + 5 * 60_000, now, []);
    expect(ragged.since).toBe(now - 50 * HOUR - 20 * 60_000);
    store.close();
  });

  it('migration 0005 rolls up the history it finds and marks the answering attempts', () => {
    const path = join(tempHome(), 'vmx.db');
    const db = new Database(path);
    for (const migration of migrations.slice(0, 4)) migration.up(db);
    db.pragma('user_version = 4');
    const insert = db.prepare(
      `INSERT INTO usage (request_id, attempt, at, workspace_id, environment_id, resource, provider, model, route, status, input_tokens, output_tokens, total_tokens, duration_ms)
       VALUES (?, 0, ?, 'w', 'e', 'chat', 'openai', ?, 'chat', ?, ?, ?, ?, 50)`,
    );
    const at = Date.now() - 2 * HOUR;
    insert.run('a', at, 'm1', 502, null, null, null);
    insert.run('a', at + 1, 'm2', 200, 10, 4, 14);
    insert.run('b', at + 2, 'm2', 200, 20, 6, 26);
    db.close();

    const store = openStore(path);
    const [m1, m2] = store.usage.report({
      environmentId: 'e',
      since: at - HOUR,
      until: Date.now(),
      by: ['model'],
    }).rows;
    expect(m1).toMatchObject({
      group: { model: 'm1' },
      figures: { requests: 0, attempts: 1, errors: 1, fallbacks: 1, costNano: 0, unpriced: 0 },
    });
    // Tokens from before pricing have no known cost.
    expect(m2).toMatchObject({
      group: { model: 'm2' },
      figures: { requests: 2, attempts: 2, inputTokens: 30, outputTokens: 10, unpriced: 2 },
    });
    expect(store.usage.forRequest('a').map((r) => r.final)).toEqual([false, true]);
    store.close();
  });
});
