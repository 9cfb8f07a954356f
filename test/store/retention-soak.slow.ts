import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { UsageRecord } from '../../src/store/repos/usage.js';
import { prune, retentionPolicy } from '../../src/store/retention.js';
import { auditRow, usageRow } from '../helpers/history-rows.js';
import { cli } from '../helpers/run-cli-in-process.js';
import { tempHome } from '../helpers/temp-home.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ROWS = 1_000_000;
const SPAN_DAYS = 30;
/**
 * The database after pruning (file + log): one day of raw rows, 30 days of hourly totals of 72 busy
 * groups, and 7 days of audit bodies. Measured: 329 MB before, 46 MB after.
 */
const PRUNED_SIZE_LIMIT = 56 * 1024 * 1024;

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('retention soak: 1,000,000 usage rows, raw retention of one day', () => {
  it(
    'keeps long-window reports exactly as they were and the database under its bound',
    { timeout: 300_000 },
    async () => {
      const home = tempHome();
      const vmx = cli(home);
      await vmx('workspace create acme');
      await vmx('env add dev -w acme');
      await vmx('use acme/dev');
      const env = (await vmx('env show dev --json')).json();

      const store = openStore(join(home, 'vmx.db'));
      const now = Date.now();
      const start = now - SPAN_DAYS * DAY;
      const next = random(7);
      const resources = ['chat', 'agent', 'summarise', 'classify'];
      const models = ['gpt-4o-mini', 'claude-haiku-4-5', 'llama-3.3-70b'];
      const keys = ['k-laptop', 'k-ci', null];
      let expectedInput = 0;
      let batch: UsageRecord[] = [];
      for (let i = 0; i < ROWS; i++) {
        const at = start + Math.floor((i / ROWS) * SPAN_DAYS * DAY);
        const failed = next() < 0.05;
        const input = failed ? null : 1 + Math.floor(next() * 4000);
        const output = failed ? null : Math.floor(next() * 800);
        expectedInput += input ?? 0;
        const modelIndex = Math.floor(next() * 3);
        batch.push(
          usageRow({
            requestId: `r${i}`,
            at,
            workspaceId: env.workspaceId,
            environmentId: env.id,
            keyId: keys[Math.floor(next() * 3)]!,
            resource: resources[Math.floor(next() * 4)]!,
            connectionId: `c${modelIndex}`,
            provider: ['openai', 'anthropic', 'groq'][modelIndex]!,
            model: models[modelIndex]!,
            stream: next() < 0.5,
            status: failed ? 502 : 200,
            error: failed ? 'bad gateway' : null,
            inputTokens: input,
            outputTokens: output,
            totalTokens: input === null ? null : input + output!,
            cachedTokens: input === null ? null : Math.floor(input / 4),
            durationMs: 50 + next() * 3000,
            ttftMs: next() < 0.5 ? 20 + next() * 400 : null,
            final: !failed || next() < 0.5,
            // The third model has no known price.
            costNano: failed ? 0 : modelIndex === 2 ? null : input! * 150 + output! * 600,
          }),
        );
        if (batch.length === 10_000) {
          store.usage.insertMany(batch);
          batch = [];
        }
      }
      store.usage.insertMany(batch);
      // Audit rows of the last 10 days with 1 KB bodies: the bodies go first.
      store.transaction(() => {
        for (let i = 0; i < 4_000; i++) {
          const record = auditRow({
            requestId: `a${i}`,
            at: now - 10 * DAY + Math.floor((i / 4_000) * 10 * DAY),
            workspaceId: env.workspaceId,
            environmentId: env.id,
            requestBody: 'x'.repeat(1024),
            responseBody: 'y'.repeat(1024),
          });
          store.audit.insert(record);
        }
      });

      // Windows in whole hours reach back past the raw retention: they must read the same afterwards.
      const since = new Date(Math.floor(start / HOUR) * HOUR).toISOString();
      const until = new Date(Math.ceil((now + 1) / HOUR) * HOUR).toISOString();
      const report = async (by: string) => {
        const result = await vmx(`usage --since ${since} --until ${until} ${by} --json`);
        expect(result.stderr).toBe('');
        return result.json().rows;
      };
      const before = {
        byResourceModel: await report('--by resource --by model'),
        byDay: await report('--by day --by provider'),
        all: await report('--by key'),
      };
      const sizeBefore = store.space.sizeBytes();
      expect(before.all.reduce((sum: number, row: { inputTokens: number }) => sum + row.inputTokens, 0)).toBe(
        expectedInput,
      );

      store.settings.set('retention.usage-raw', '1d');
      const summary = await prune(store, retentionPolicy(store.settings), {
        now,
        between: () => new Promise((r) => setImmediate(r)),
      });
      const sizeAfter = store.space.sizeBytes();
      const counts = store.usage.counts();
      const bodies = store.db.prepare('SELECT count(*) AS n FROM audit WHERE request_body IS NOT NULL').get() as {
        n: number;
      };
      console.log(
        `soak: ${ROWS} rows, ${(sizeBefore / 1048576).toFixed(1)} MB → ${(sizeAfter / 1048576).toFixed(1)} MB; ` +
          `${counts.raw} raw + ${counts.hourly} hourly rows left; ${summary.steps} steps in ${summary.ms.toFixed(0)} ms, longest ${summary.longestStepMs.toFixed(1)} ms`,
      );

      expect(await report('--by resource --by model')).toEqual(before.byResourceModel);
      expect(await report('--by day --by provider')).toEqual(before.byDay);
      expect(await report('--by key')).toEqual(before.all);
      // Raw rows older than a day are gone; audit bodies older than 7 days are gone, the rows stay.
      expect(summary.changed['usage-raw']).toBeGreaterThan(ROWS * 0.95);
      expect(counts.raw).toBeLessThan(ROWS / SPAN_DAYS + 2 * (ROWS / SPAN_DAYS / 24));
      expect(summary.changed['audit-bodies']).toBeGreaterThan(0);
      expect(bodies.n / 4_000).toBeCloseTo(0.7, 1);
      expect(summary.changed.audit).toBe(0);
      // The freed room went back to the file system, and no single step held the lock for long.
      expect(summary.changed.vacuum).toBeGreaterThan(0);
      expect(sizeAfter).toBeLessThan(PRUNED_SIZE_LIMIT);
      expect(summary.longestStepMs).toBeLessThan(250);
      // A window that starts inside a pruned hour is counted from the start of that hour.
      const ragged = await vmx(`usage --since ${new Date(start + 30 * 60_000 + 7).toISOString()} --by resource`);
      expect(ragged.stdout).toContain('counted in whole hours');
      store.close();
    },
  );
});
