import { UsageError } from '../../../errors.js';
import { quantile } from '../../../gateway/latency-sketch.js';
import type { Repositories } from '../../../store/backend.js';
import {
  addFigures,
  emptyFigures,
  TIME_DIMENSIONS,
  type UsageDimension,
  type UsageFigures,
} from '../../../store/repos/usage.js';
import type { CliContext } from '../../context.js';
import { formatCount } from '../../io/output.js';
import { historyKeyId } from '../../lookup.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, flag } from '../../verb.js';
import { alignedSince, bucketsOf, bucketTotals, fillBuckets, type TimeUnit } from './buckets.js';
import { usageChart } from './chart.js';
import { formatMs, formatTime, formatUsd, parsePast } from './window.js';

const dimensions = [
  'resource',
  'model',
  'connection',
  'provider',
  'key',
  ...TIME_DIMENSIONS,
] as const satisfies readonly UsageDimension[];

export const verb = defineVerb({
  flags: {
    since: flag(
      '--since <when>',
      'start of the window: a duration back from now (1h, 7d) or a date',
      (z) => z.string(),
      { default: '24h' },
    ),
    until: flag(
      '--until <when>',
      'end of the window (exclusive): a duration back from now or a date (default: now)',
      (z) => z.string(),
    ),
    by: flag(
      '--by <dimension>',
      'group by resource|model|connection|provider|key, or time buckets minute|hour|day|week, every bucket of ' +
        'the window listed (repeatable; default: resource, model)',
      (z) => z.array(z.enum(dimensions, { error: `must be one of ${dimensions.join(', ')}` })),
      { repeatable: true },
    ),
    resource: flag('--resource <name>', 'only this resource', (z) => z.string().check(z.minLength(1))),
    key: flag('--key <name|id>', 'only requests made with this API key (a revoked key by its id)', (z) =>
      z.string().check(z.minLength(1)),
    ),
  },
  async run(input, ctx) {
    const by = [...new Set<UsageDimension>(input.by ?? ['resource', 'model'])];
    const units = by.filter((d): d is TimeUnit => (TIME_DIMENSIONS as readonly string[]).includes(d));
    if (units.length > 1) throw new UsageError(`invalid --by: one time bucket at a time, not ${units.join(' and ')}`);
    const unit = units[0];
    const window = windowOf(input, unit);

    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const envId = scope.environment.id;
    const report = await store.usage.report({
      environmentId: envId,
      ...window,
      by,
      // Rows keep the resource's name as requested; an id given here is translated to that name.
      ...(input.resource !== undefined && {
        resource: (await store.resources.find(envId, input.resource))?.name ?? input.resource,
      }),
      ...(input.key !== undefined && { keyId: await historyKeyId(scope, store, input.key) }),
    });
    const buckets = unit ? bucketsOf(unit, window.since, window.until) : [];
    const reportRows = unit ? fillBuckets(report.rows, by, unit, buckets) : report.rows;

    const names = await namesOf(store, envId, by);
    const rows = reportRows.map(({ group, figures }) => ({
      ...group,
      ...(by.includes('key') && { keyName: group.key ? (names.keys.get(group.key) ?? null) : null }),
      ...(by.includes('connection') && {
        connectionName: group.connection ? (names.connections.get(group.connection) ?? null) : null,
      }),
      ...figuresJson(figures),
    }));
    const totals = figuresJson(report.rows.reduce((sum, row) => addFigures(sum, row.figures), emptyFigures()));
    if (ctx.out.json) {
      const at = (ms: number) => new Date(ms).toISOString();
      return ctx.out.writeJson({ window: { since: at(report.since), until: at(report.until) }, by, totals, rows });
    }

    const where = `${scope.workspace.name}/${scope.environment.name}`;
    const span = `${formatTime(report.since)} – ${input.until === undefined ? 'now' : formatTime(report.until)}`;
    if (rows.length === 0) return ctx.out.message(`no usage in ${where} from ${span}`);
    ctx.out.message(`usage in ${where}, ${span}`);
    if (report.since !== window.since || (input.until !== undefined && report.until !== window.until)) {
      ctx.out.message(
        '(usage older than its raw retention is kept as hourly totals: the window is counted in whole hours)',
      );
    }
    printTable(ctx, by, rows, totals);
    if (unit && ctx.out.stdout.isTTY) {
      const columns = (ctx.out.stdout as { columns?: number }).columns ?? 80;
      ctx.out.message(
        `\n${usageChart(bucketTotals(report.rows, unit, buckets), unit, columns, (key) => timeLabel(unit, key))}`,
      );
    }
  },
});

/**
 * The window [since, until) in epoch ms. With time buckets it starts at the first whole bucket
 * (see alignedSince); "now" includes what was recorded this very millisecond.
 */
function windowOf(input: { since: string; until?: string | undefined }, unit: TimeUnit | undefined) {
  const now = Date.now();
  const asked = parsePast(input.since, '--since', now);
  const until = input.until === undefined ? now + 1 : parsePast(input.until, '--until', now);
  if (until <= asked) throw new UsageError(`invalid --until '${input.until}': not after --since`);
  const since = unit ? alignedSince(unit, asked) : asked;
  if (until <= since) throw new UsageError(`invalid --since '${input.since}': the window holds no whole ${unit}`);
  return { since, until };
}

/** A bucket as a table or a chart names it: local time for minutes and hours, the date for days and weeks. */
function timeLabel(unit: TimeUnit, key: string): string {
  return unit === 'minute' || unit === 'hour' ? formatTime(Date.parse(key)).slice(0, 16) : key;
}

type Row = Partial<Record<UsageDimension, string | null>> & {
  keyName?: string | null;
  connectionName?: string | null;
} & ReturnType<typeof figuresJson>;

/** The rows and a totals line, one column per dimension then the figures. */
function printTable(ctx: CliContext, by: UsageDimension[], rows: Row[], totals: ReturnType<typeof figuresJson>) {
  type Line = Row | (ReturnType<typeof figuresJson> & { total: true });
  const label = (row: Row, d: UsageDimension): string | null => {
    if (d === 'key') return row.key ? (row.keyName ?? `${row.key} (removed)`) : null;
    if (d === 'connection') return row.connection ? (row.connectionName ?? `${row.connection} (removed)`) : null;
    if ((TIME_DIMENSIONS as readonly string[]).includes(d)) return row[d] ? timeLabel(d as TimeUnit, row[d]) : null;
    return row[d] ?? null;
  };
  const pair = (a: number | null, b: number | null) => (a === null ? null : `${formatMs(a)} / ${formatMs(b)}`);
  ctx.out.list<Line>(
    [...rows, { total: true as const, ...totals }],
    [
      ...by.map((d, i) => ({
        header: d.toUpperCase(),
        value: (row: Line) => ('total' in row ? (i === 0 ? 'total' : ' ') : (label(row, d) ?? '-')),
      })),
      { header: 'REQUESTS', value: (r) => formatCount(r.requests) },
      { header: 'ERRORS', value: (r) => formatCount(r.errors) },
      { header: 'FALLBACKS', value: (r) => formatCount(r.fallbacks) },
      { header: 'INPUT', value: (r) => formatCount(r.inputTokens) },
      { header: 'OUTPUT', value: (r) => formatCount(r.outputTokens) },
      { header: 'CACHED', value: (r) => formatCount(r.cachedTokens) },
      { header: 'COST', value: (r) => formatCost(r) },
      { header: 'LATENCY P50/P95', value: (r) => pair(r.latencyP50Ms, r.latencyP95Ms) },
      { header: 'TTFT P50/P95', value: (r) => pair(r.ttftP50Ms, r.ttftP95Ms) },
    ],
  );
}

/** The names of the keys and connections the rows name by id, read only when the rows are grouped by them. */
async function namesOf(store: Repositories, envId: string, by: UsageDimension[]) {
  const names = async (wanted: boolean, list: () => Promise<Array<{ id: string; name: string }>>) =>
    new Map(wanted ? (await list()).map((entity) => [entity.id, entity.name]) : []);
  return {
    keys: await names(by.includes('key'), () => store.apiKeys.list(envId)),
    connections: await names(by.includes('connection'), () => store.connections.list(envId)),
  };
}

/** A group's figures as printed under --json. Cost is in USD; null when some of it is unknown. */
function figuresJson(f: UsageFigures) {
  const round = (ms: number | null) => (ms === null ? null : Math.round(ms * 10) / 10);
  return {
    requests: f.requests,
    attempts: f.attempts,
    errors: f.errors,
    fallbacks: f.fallbacks,
    inputTokens: f.inputTokens,
    outputTokens: f.outputTokens,
    cachedTokens: f.cachedTokens,
    cacheWriteTokens: f.cacheWriteTokens,
    totalTokens: f.totalTokens,
    cost: f.unpriced > 0 ? null : f.costNano / 1e9,
    knownCost: f.costNano / 1e9,
    unpricedAttempts: f.unpriced,
    latencyP50Ms: round(quantile(f.latency, 0.5)),
    latencyP95Ms: round(quantile(f.latency, 0.95)),
    ttftP50Ms: round(quantile(f.ttft, 0.5)),
    ttftP95Ms: round(quantile(f.ttft, 0.95)),
  };
}

/** `$0.0123`, `unknown`, or `$0.0123 + unknown` when only part of it is priced. */
function formatCost(f: { knownCost: number; unpricedAttempts: number }): string {
  const known = formatUsd(f.knownCost);
  if (f.unpricedAttempts === 0) return known;
  return f.knownCost === 0 ? 'unknown' : `${known} + unknown`;
}
