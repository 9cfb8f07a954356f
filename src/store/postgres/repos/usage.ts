import { addTo, type Sketch } from '../../../gateway/latency-sketch.js';
import type { Async } from '../../backend.js';
import {
  toUsageRecord,
  type UsageFigures,
  type UsageQuery,
  type UsageRecord,
  type UsageRepo,
} from '../../repos/usage.js';
import type { Queryable } from '../queryable.js';
import { withoutNul } from './audit.js';
import { createPgStateCell } from './settings.js';
import { pgUsageReport } from './usage-report.js';

const HOUR = 3_600_000;

/** A usage column: its name, its PostgreSQL type and how a record fills it. */
type Column<R> = readonly [name: string, type: string, value: (r: R) => unknown];

const int = (b: boolean) => (b ? 1 : 0);

const USAGE_COLUMNS: ReadonlyArray<Column<UsageRecord>> = [
  ['request_id', 'text', (r) => r.requestId],
  ['attempt', 'bigint', (r) => r.attempt],
  ['at', 'bigint', (r) => r.at],
  ['workspace_id', 'text', (r) => r.workspaceId],
  ['environment_id', 'text', (r) => r.environmentId],
  ['key_id', 'text', (r) => r.keyId],
  ['resource_id', 'text', (r) => r.resourceId],
  ['resource', 'text', (r) => r.resource],
  ['connection_id', 'text', (r) => r.connectionId],
  ['provider', 'text', (r) => r.provider],
  ['model', 'text', (r) => r.model],
  ['route', 'text', (r) => r.route],
  ['stream', 'smallint', (r) => int(r.stream)],
  ['status', 'bigint', (r) => r.status],
  ['error', 'text', (r) => r.error],
  ['input_tokens', 'bigint', (r) => r.inputTokens],
  ['output_tokens', 'bigint', (r) => r.outputTokens],
  ['total_tokens', 'bigint', (r) => r.totalTokens],
  ['cached_tokens', 'bigint', (r) => r.cachedTokens],
  ['cache_write_tokens', 'bigint', (r) => r.cacheWriteTokens],
  ['duration_ms', 'double precision', (r) => r.durationMs],
  ['provider_ms', 'double precision', (r) => r.providerMs],
  ['ttft_ms', 'double precision', (r) => r.ttftMs],
  ['gate_ms', 'double precision', (r) => r.gateMs],
  ['correlation_id', 'text', (r) => r.correlationId],
  ['final', 'smallint', (r) => int(r.final)],
  ['cost_nano', 'bigint', (r) => r.costNano],
];

/** One group of one hour in usage_hourly, summed from a batch the way SQLite's roll-up statement sums it. */
interface HourlyRow extends UsageFigures {
  hour: number;
  environmentId: string;
  workspaceId: string;
  keyId: string;
  resource: string;
  connectionId: string;
  provider: string;
  model: string;
  route: string;
  stream: number;
}

const HOURLY_COLUMNS: ReadonlyArray<Column<HourlyRow>> = [
  ['hour', 'bigint', (h) => h.hour],
  ['environment_id', 'text', (h) => h.environmentId],
  ['workspace_id', 'text', (h) => h.workspaceId],
  ['key_id', 'text', (h) => h.keyId],
  ['resource', 'text', (h) => h.resource],
  ['connection_id', 'text', (h) => h.connectionId],
  ['provider', 'text', (h) => h.provider],
  ['model', 'text', (h) => h.model],
  ['route', 'text', (h) => h.route],
  ['stream', 'smallint', (h) => h.stream],
  ['requests', 'bigint', (h) => h.requests],
  ['attempts', 'bigint', (h) => h.attempts],
  ['errors', 'bigint', (h) => h.errors],
  ['fallbacks', 'bigint', (h) => h.fallbacks],
  ['input_tokens', 'bigint', (h) => h.inputTokens],
  ['output_tokens', 'bigint', (h) => h.outputTokens],
  ['cached_tokens', 'bigint', (h) => h.cachedTokens],
  ['cache_write_tokens', 'bigint', (h) => h.cacheWriteTokens],
  ['total_tokens', 'bigint', (h) => h.totalTokens],
  ['cost_nano', 'bigint', (h) => h.costNano],
  ['unpriced', 'bigint', (h) => h.unpriced],
  ['latency', 'text', (h) => JSON.stringify(h.latency)],
  ['ttft', 'text', (h) => JSON.stringify(h.ttft)],
];

/** The counts an upsert adds to an hour already there (the group columns stay, workspace_id too, as on SQLite). */
const SUMMED = HOURLY_COLUMNS.filter(([name, type]) => type === 'bigint' && name !== 'hour').map(([name]) => name);

/** Two stored sketches (JSON text) merged by adding their counts per bucket. */
const mergeSketches = (a: string, b: string) =>
  `(SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb)::text FROM (SELECT k, sum(v::numeric) AS n
     FROM (SELECT * FROM jsonb_each_text(${a}::jsonb) UNION ALL SELECT * FROM jsonb_each_text(${b}::jsonb)) AS e(k, v)
     GROUP BY k) AS s)`;

/**
 * One statement (so all or nothing without a transaction of its own): the raw rows, and their sums
 * added to their hours. Parameters are one array per column, unnested in the order given.
 */
const INSERT_SQL = (() => {
  const unnest = <R>(columns: ReadonlyArray<Column<R>>, from: number) =>
    `unnest(${columns.map(([, type], i) => `$${from + i}::${type}[]`).join(', ')}) WITH ORDINALITY
       AS r(${columns.map(([name]) => name).join(', ')}, n)`;
  const names = (columns: ReadonlyArray<Column<unknown>>) => columns.map(([name]) => name).join(', ');
  const usage = USAGE_COLUMNS as ReadonlyArray<Column<unknown>>;
  const hourly = HOURLY_COLUMNS as ReadonlyArray<Column<unknown>>;
  return `WITH raw AS (
      INSERT INTO usage (${names(usage)}) SELECT ${names(usage)} FROM ${unnest(usage, 1)} ORDER BY n
    )
    INSERT INTO usage_hourly AS h (${names(hourly)})
      SELECT ${names(hourly)} FROM ${unnest(hourly, usage.length + 1)} ORDER BY n
    ON CONFLICT (hour, environment_id, key_id, resource, connection_id, provider, model, route, stream) DO UPDATE SET
      ${SUMMED.map((c) => `${c} = h.${c} + excluded.${c}`).join(', ')},
      latency = ${mergeSketches('h.latency', 'excluded.latency')}, ttft = ${mergeSketches('h.ttft', 'excluded.ttft')}`;
})();

/**
 * The hours a batch adds to, summed per group as SQLite's roll-up statement sums them (usage-rollup.ts):
 * requests on the attempt that answered, latency and time to first token from that attempt too.
 * Sorted by group, so concurrent writers lock the hours they share in the same order.
 */
function hourlyRows(records: readonly UsageRecord[]): HourlyRow[] {
  const groups = new Map<string, HourlyRow>();
  for (const r of records) {
    const h = groupOf(r);
    const id = JSON.stringify(GROUP_KEYS.map((key) => h[key]));
    const sums = groups.get(id) ?? h;
    groups.set(id, sums);
    if (r.workspaceId > sums.workspaceId) sums.workspaceId = r.workspaceId;
    sums.requests += int(r.final);
    sums.attempts += int(r.provider !== null);
    sums.errors += int(r.status >= 400);
    sums.fallbacks += int(!r.final);
    sums.inputTokens += r.inputTokens ?? 0;
    sums.outputTokens += r.outputTokens ?? 0;
    sums.cachedTokens += r.cachedTokens ?? 0;
    sums.cacheWriteTokens += r.cacheWriteTokens ?? 0;
    sums.totalTokens += r.totalTokens ?? 0;
    sums.costNano += r.costNano ?? 0;
    sums.unpriced += int(r.costNano === null);
    if (r.final) addTo(sums.latency, r.durationMs);
    if (r.final) addTo(sums.ttft, r.ttftMs);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, h]) => h);
}

const GROUP_KEYS = [
  'hour',
  'environmentId',
  'keyId',
  'resource',
  'connectionId',
  'provider',
  'model',
  'route',
  'stream',
] as const;

/** The empty sums of a record's group; group columns hold '' rather than NULL, as in SQLite. */
const groupOf = (r: UsageRecord): HourlyRow => ({
  hour: Math.floor(r.at / HOUR) * HOUR,
  environmentId: r.environmentId,
  workspaceId: r.workspaceId,
  keyId: r.keyId ?? '',
  resource: r.resource,
  connectionId: r.connectionId ?? '',
  provider: r.provider ?? '',
  model: r.model ?? '',
  route: r.route,
  stream: int(r.stream),
  ...{ requests: 0, attempts: 0, errors: 0, fallbacks: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
  ...{ cacheWriteTokens: 0, totalTokens: 0, costNano: 0, unpriced: 0, latency: {}, ttft: {} },
});

/** The parameters of INSERT_SQL: one array per column of usage, then of usage_hourly. */
function insertParameters(records: readonly UsageRecord[]): unknown[][] {
  const clean = records.map(withoutNul);
  const hours = hourlyRows(clean);
  return [
    ...USAGE_COLUMNS.map(([, , value]) => clean.map(value)),
    ...HOURLY_COLUMNS.map(([, , value]) => hours.map(value)),
  ];
}

/** Usage rows (one per provider attempt) and their hourly totals in PostgreSQL. */
export function createPgUsageRepo(q: Queryable): Async<UsageRepo> {
  const floor = createPgStateCell(q, 'usage-raw-floor');
  const rawFloor = async () => Number((await floor.get()) ?? 0);
  return {
    async attemptsSince(at: number) {
      const { rows } = await q.query<Record<string, unknown>>(
        'SELECT resource_id, connection_id, model, status, at FROM usage WHERE at >= $1 AND provider IS NOT NULL',
        [at],
      );
      return rows.map((r) => ({
        resourceId: r.resource_id as string | null,
        connectionId: r.connection_id as string | null,
        model: r.model as string | null,
        status: Number(r.status),
        at: Number(r.at),
      }));
    },

    async insertMany(records: readonly UsageRecord[]) {
      if (records.length === 0) return;
      await q.query(INSERT_SQL, insertParameters(records));
    },

    async forRequest(requestId: string) {
      const { rows } = await q.query<Record<string, unknown>>(
        'SELECT * FROM usage WHERE request_id = $1 ORDER BY attempt, id',
        [requestId],
      );
      return rows.map(toUsageRecord);
    },

    rawFloor,

    async report(query: UsageQuery) {
      return pgUsageReport(q, query, await rawFloor());
    },

    async pruneRaw(before: number, limit: number) {
      const cutoff = Math.floor(before / HOUR) * HOUR;
      // The floor moves first, so reports switch to the hourly totals before any raw row disappears;
      // and only forward: a shorter retention set later cannot bring deleted rows back.
      if (cutoff > (await rawFloor())) await floor.set(String(cutoff));
      const { rowCount } = await q.query(
        'DELETE FROM usage WHERE id IN (SELECT id FROM usage WHERE at < $1 ORDER BY at LIMIT $2)',
        [cutoff, limit],
      );
      return rowCount ?? 0;
    },

    async pruneOldestHour(before: number) {
      const { rowCount } = await q.query(
        'DELETE FROM usage_hourly WHERE hour = (SELECT min(hour) FROM usage_hourly) AND hour < $1',
        [before],
      );
      return rowCount ?? 0;
    },

    async counts() {
      const { rows } = await q.query<{ raw: string; hourly: string }>(
        'SELECT (SELECT count(*) FROM usage) AS raw, (SELECT count(*) FROM usage_hourly) AS hourly',
      );
      return { raw: Number(rows[0]!.raw), hourly: Number(rows[0]!.hourly) };
    },
  };
}
