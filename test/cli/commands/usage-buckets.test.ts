import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { openStore } from '../../../src/store/open.js';
import { usageRow } from '../../helpers/history-rows.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';
import { useAcmeDev } from '../../helpers/cli-context.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const now = Date.now();
const hourOf = (at: number) => new Date(Math.floor(at / HOUR) * HOUR).toISOString();

let home: string;
let vmx: ReturnType<typeof cli>;

/** In dev: chat 5h ago (twice, 3 tokens each) and 1h ago, embed 1h ago, chat 3 days ago. prod stays empty. */
beforeAll(async () => {
  home = tempHome();
  vmx = cli(home);
  const dev = await useAcmeDev(vmx);
  await vmx('env add prod -w acme');
  const row = (requestId: string, at: number, resource = 'chat') =>
    usageRow({
      requestId,
      at,
      environmentId: dev.id,
      workspaceId: dev.workspaceId,
      resource,
      totalTokens: 3,
      costNano: 1000,
    });
  const store = openStore(join(home, 'vmx.db'));
  store.usage.insertMany([
    row('a', now - 5 * HOUR),
    row('b', now - 5 * HOUR + 1),
    row('c', now - HOUR),
    row('d', now - HOUR, 'embed'),
    row('e', now - 72 * HOUR),
  ]);
  store.close();
});

interface Row {
  hour?: string;
  resource?: string;
  requests: number;
  totalTokens: number;
}

describe('vmx usage --by <time bucket>', () => {
  it('lists every hour of the last 24h, the empty ones as zeros, with the window and totals', async () => {
    const result = await vmx('usage --by hour --since 24h --json');
    expect(result.code).toBe(0);
    const { window, by, totals, rows } = result.json() as {
      window: { since: string; until: string };
      by: string[];
      totals: Row;
      rows: Row[];
    };
    expect(by).toEqual(['hour']);
    expect(rows).toHaveLength(24);
    // Consecutive hours, the last the current one, the window starting at the first.
    const starts = rows.map((r) => Date.parse(r.hour!));
    expect(starts.slice(1).map((s, i) => s - starts[i]!)).toEqual(new Array(23).fill(HOUR));
    expect(rows.at(-1)!.hour).toBe(hourOf(now));
    expect(window.since).toBe(rows[0]!.hour);
    expect(Date.parse(window.until)).toBeGreaterThanOrEqual(now);
    const busy = Object.fromEntries(rows.filter((r) => r.requests > 0).map((r) => [r.hour, r.requests]));
    expect(busy).toEqual({ [hourOf(now - 5 * HOUR)]: 2, [hourOf(now - HOUR)]: 2 });
    expect(totals).toMatchObject({ requests: 4, totalTokens: 12 });
    expect(rows.reduce((sum, r) => sum + r.totalTokens, 0)).toBe(12);
  });

  it('lists every bucket of an empty environment', async () => {
    const { rows, totals } = (await vmx('usage --by hour --since 24h -e prod --json')).json();
    expect(rows).toHaveLength(24);
    expect(rows.every((r: Row) => r.requests === 0)).toBe(true);
    expect(totals.requests).toBe(0);
  });

  it('buckets by minute, day and week', async () => {
    const minutes = (await vmx('usage --by minute --since 2h --json')).json().rows as Array<{ minute: string }>;
    expect(minutes).toHaveLength(120);
    expect(Date.parse(minutes[1]!.minute) - Date.parse(minutes[0]!.minute)).toBe(MINUTE);
    const days = (await vmx('usage --by day --since 7d --json')).json().rows as Array<{
      day: string;
      requests: number;
    }>;
    expect(days).toHaveLength(7);
    expect(new Set(days.map((d) => d.day)).size).toBe(7);
    expect(days.reduce((sum, d) => sum + d.requests, 0)).toBe(5);
    const weeks = (await vmx('usage --by week --since 28d --json')).json().rows as Array<{ week: string }>;
    expect(weeks).toHaveLength(4);
    // Named by their Monday.
    expect(weeks.every((w) => new Date(`${w.week}T12:00:00`).getDay() === 1)).toBe(true);
  });

  it('fills the buckets of each series when grouped by something else too', async () => {
    const rows = (await vmx('usage --by resource --by hour --since 24h --json')).json().rows as Row[];
    expect(rows).toHaveLength(48);
    expect(rows.slice(0, 24).every((r) => r.resource === 'chat')).toBe(true);
    expect(rows.filter((r) => r.resource === 'embed' && r.requests > 0).map((r) => r.hour)).toEqual([
      hourOf(now - HOUR),
    ]);
  });

  it('prints a table of the buckets, and a chart on a terminal', async () => {
    const piped = await vmx('usage --by hour --since 24h');
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toContain('▁');
    expect(piped.stdout).not.toContain('█');

    const tty = await onTerminal(['usage', '--by', 'hour', '--since', '24h'], 80);
    expect(tty.code).toBe(0);
    const chart = tty.stdout.split('\n').filter((line) => /^(requests|tokens|cost) /.test(line));
    expect(chart.map((line) => line.split(' ')[0])).toEqual(['requests', 'tokens', 'cost']);
    for (const line of chart) {
      const bars = line.slice(line.indexOf('│') + 1, line.lastIndexOf('│'));
      // One bar per hour, full where the most happened, blank where nothing did.
      expect(bars).toHaveLength(24);
      expect(bars.at(-2)).toBe('█');
      expect(bars.at(-6)).toBe('█');
      expect(bars.at(0)).toBe(' ');
      expect(line.length).toBeLessThanOrEqual(80);
    }
    expect(chart[0]).toContain('total 4, peak 2');
    // A minute chart of a day has more buckets than columns: it is drawn in runs that fit.
    const wide = await onTerminal(['usage', '--by', 'minute', '--since', '24h'], 80);
    for (const line of wide.stdout.split('\n').filter((l) => /^(requests|tokens|cost) /.test(l)))
      expect(line.length).toBeLessThanOrEqual(80);
  });

  it('refuses two time buckets and a window without a whole bucket', async () => {
    const two = await vmx('usage --by hour --by day');
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^error: invalid --by: one time bucket at a time/);
    expect((await vmx('usage --by week --since 2027-01-05 --until 2027-01-07')).code).toBe(2);
  });
});

/** One run whose stdout is a terminal `columns` wide. */
async function onTerminal(args: string[], columns: number) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY: true, columns } as never,
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([]),
    env: { VMX_HOME: home, VMX_USER: 'alice', NO_COLOR: '1', VMX_CREDENTIAL_STORE: 'file' },
    prompter: undefined as never,
    canPrompt: false,
  });
  return { code, stdout, stderr };
}
