import { z } from 'zod';
import { UsageError } from '../../../errors.js';
import type { UsageDimension } from '../../../store/repos/usage.js';
import { parseInput } from '../../input.js';
import { findApiKey } from '../../lookup.js';
import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';
import { grandTotal, regroup, type UsageRow } from './regroup.js';
import { formatTime, parsePast } from './window.js';

const dimensions = ['resource', 'model', 'connection', 'provider', 'key'] as const satisfies readonly UsageDimension[];

export const run: VerbRun = async (ctx, _args, flags) => {
  const input = parseInput(
    z.object({
      since: z.string(),
      until: z.string().optional(),
      by: z.array(z.enum(dimensions, { error: `must be one of ${dimensions.join(', ')}` })).optional(),
      resource: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
    }),
    flags,
  );
  const now = Date.now();
  const since = parsePast(input.since, '--since', now);
  // The window is [since, until): "now" includes what was recorded this very millisecond.
  const until = input.until === undefined ? now + 1 : parsePast(input.until, '--until', now);
  if (until <= since) throw new UsageError(`invalid --until '${input.until}': not after --since`);
  const by = [...new Set<UsageDimension>(input.by ?? ['resource', 'model'])];

  const scope = await resolveEnvironment(ctx, 'read');
  const store = await ctx.store();
  const envId = scope.environment.id;
  const resource = input.resource && (store.resources.find(envId, input.resource)?.name ?? input.resource);
  const keyId = input.key && findApiKey(scope, store, input.key).id;

  // summary() has no filters: group by the filtered dimensions too, keep the matching rows, sum back.
  const grouping = [...by];
  if (resource !== undefined && !grouping.includes('resource')) grouping.push('resource');
  if (keyId !== undefined && !grouping.includes('key')) grouping.push('key');
  let rows = store.usage.summary(envId, since, until, grouping) as UsageRow[];
  rows = rows.filter((r) => (resource === undefined || r.resource === resource) && (keyId === undefined || r.key === keyId));
  rows = regroup(rows, by);

  const keyNames = new Map(store.apiKeys.list(envId).map((k) => [k.id, k.name]));
  const connectionNames = new Map(store.connections.list(envId).map((c) => [c.id, c.name]));
  const named = rows.map((row) => ({
    ...row,
    ...(by.includes('key') ? { keyName: row.key ? (keyNames.get(row.key) ?? null) : null } : {}),
    ...(by.includes('connection') ? { connectionName: row.connection ? (connectionNames.get(row.connection) ?? null) : null } : {}),
  }));
  if (ctx.out.json) return ctx.out.writeJson(named);

  const where = `${scope.workspace.name}/${scope.environment.name}`;
  const window = `${formatTime(since)} – ${input.until === undefined ? 'now' : formatTime(until)}`;
  if (named.length === 0) return ctx.out.message(`no usage in ${where} from ${window}`);
  ctx.out.message(`usage in ${where}, ${window}`);
  const label = (row: (typeof named)[number], d: UsageDimension): string | null => {
    if (d === 'key') return row.key ? (row.keyName ?? row.key) : null;
    if (d === 'connection') return row.connection ? (row.connectionName ?? row.connection) : null;
    return row[d] ?? null;
  };
  const total = { ...grandTotal(rows), total: true };
  type Line = (typeof named)[number] | typeof total;
  const n = (v: number) => v.toLocaleString('en-US');
  ctx.out.list<Line>(
    [...named, total],
    [
      ...by.map((d, i) => ({
        header: d.toUpperCase(),
        value: (row: Line) => ('total' in row ? (i === 0 ? 'total' : ' ') : label(row, d)),
      })),
      { header: 'REQUESTS', value: (r) => n(r.requests) },
      { header: 'ERRORS', value: (r) => n(r.errors) },
      { header: 'INPUT', value: (r) => n(r.inputTokens) },
      { header: 'OUTPUT', value: (r) => n(r.outputTokens) },
      { header: 'CACHED', value: (r) => n(r.cachedTokens) },
      { header: 'TOTAL TOKENS', value: (r) => n(r.totalTokens) },
    ],
  );
};
