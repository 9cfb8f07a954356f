import { UsageError } from '../../../errors.js';
import { quantile } from '../../../gateway/latency-sketch.js';
import type { Repositories } from '../../../store/backend.js';
import { addFigures, emptyFigures, type UsageDimension, type UsageFigures } from '../../../store/repos/usage.js';
import { formatCount } from '../../io/output.js';
import { historyKeyId } from '../../lookup.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, flag } from '../../verb.js';
import { formatMs, formatTime, parsePast } from './window.js';

const dimensions = [
  'resource',
  'model',
  'connection',
  'provider',
  'key',
  'hour',
  'day',
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
      'group by resource|model|connection|provider|key|hour|day (repeatable; default: resource, model)',
      (z) => z.array(z.enum(dimensions, { error: `must be one of ${dimensions.join(', ')}` })),
      { repeatable: true },
    ),
    resource: flag('--resource <name>', 'only this resource', (z) => z.string().check(z.minLength(1))),
    key: flag('--key <name|id>', 'only requests made with this API key (a revoked key by its id)', (z) =>
      z.string().check(z.minLength(1)),
    ),
  },
  async run(input, ctx) {
    const now = Date.now();
    const since = parsePast(input.since, '--since', now);
    // The window is [since, until): "now" includes what was recorded this very millisecond.
    const until = input.until === undefined ? now + 1 : parsePast(input.until, '--until', now);
    if (until <= since) throw new UsageError(`invalid --until '${input.until}': not after --since`);
    const by = [...new Set<UsageDimension>(input.by ?? ['resource', 'model'])];

    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const envId = scope.environment.id;
    const report = await store.usage.report({
      environmentId: envId,
      since,
      until,
      by,
      // Rows keep the resource's name as requested; an id given here is translated to that name.
      ...(input.resource !== undefined && {
        resource: (await store.resources.find(envId, input.resource))?.name ?? input.resource,
      }),
      ...(input.key !== undefined && { keyId: await historyKeyId(scope, store, input.key) }),
    });

    const names = await namesOf(store, envId, by);
    const rows = report.rows.map(({ group, figures }) => ({
      ...group,
      ...(by.includes('key') && { keyName: group.key ? (names.keys.get(group.key) ?? null) : null }),
      ...(by.includes('connection') && {
        connectionName: group.connection ? (names.connections.get(group.connection) ?? null) : null,
      }),
      ...figuresJson(figures),
    }));
    if (ctx.out.json) return ctx.out.writeJson(rows);

    const where = `${scope.workspace.name}/${scope.environment.name}`;
    const window = `${formatTime(report.since)} – ${input.until === undefined ? 'now' : formatTime(report.until)}`;
    if (rows.length === 0) return ctx.out.message(`no usage in ${where} from ${window}`);
    ctx.out.message(`usage in ${where}, ${window}`);
    if (report.since !== since || (input.until !== undefined && report.until !== until)) {
      ctx.out.message(
        '(usage older than its raw retention is kept as hourly totals: the window is counted in whole hours)',
      );
    }
    const total = {
      total: true as const,
      ...figuresJson(report.rows.reduce((sum, row) => addFigures(sum, row.figures), emptyFigures())),
    };
    type Line = (typeof rows)[number] | typeof total;
    const label = (row: (typeof rows)[number], d: UsageDimension): string | null => {
      if (d === 'key') return row.key ? (row.keyName ?? `${row.key} (removed)`) : null;
      if (d === 'connection') return row.connection ? (row.connectionName ?? `${row.connection} (removed)`) : null;
      if (d === 'hour') return row.hour ? formatTime(Date.parse(row.hour)).slice(0, 16) : null;
      return row[d] ?? null;
    };
    const pair = (a: number | null, b: number | null) => (a === null ? null : `${formatMs(a)} / ${formatMs(b)}`);
    ctx.out.list<Line>(
      [...rows, total],
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
  },
});

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
  const usd = f.knownCost >= 1 ? f.knownCost.toFixed(2) : f.knownCost.toPrecision(3).replace(/\.?0+$/, '');
  const known = f.knownCost === 0 ? '$0' : `$${usd}`;
  if (f.unpricedAttempts === 0) return known;
  return f.knownCost === 0 ? 'unknown' : `${known} + unknown`;
}
