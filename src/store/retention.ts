import { parseDuration } from '../durations.js';
import { UsageError } from '../errors.js';
import type { Store } from './open.js';
import type { SettingsRepo } from './repos/settings.js';

/**
 * How long the store keeps what the daemon records. Audit bodies go first, then audit rows; raw
 * usage rows go after their retention but live on as hourly totals (kept in step with every insert),
 * which go last. Every value is a duration of at least an hour.
 */
export const retentionSettings = {
  'retention.audit-bodies': { default: '7d', about: 'request and response bodies stored in audit rows' },
  'retention.audit': { default: '30d', about: 'audit rows (one per request)' },
  'retention.usage-raw': {
    default: '30d',
    about: 'usage rows (one per attempt); older usage is kept as hourly totals',
  },
  'retention.usage-hourly': { default: '400d', about: 'hourly usage totals' },
} as const;

export type RetentionKey = keyof typeof retentionSettings;

export interface RetentionPolicy {
  auditBodiesMs: number;
  auditMs: number;
  usageRawMs: number;
  usageHourlyMs: number;
}

const HOUR = 3_600_000;

export const isRetentionKey = (key: string): key is RetentionKey => Object.hasOwn(retentionSettings, key);

/** A retention value in ms; one clear line when it is not a duration of at least an hour. */
export function parseRetention(key: RetentionKey, value: string): number {
  const ms = parseDuration(value, key);
  if (ms < HOUR) throw new UsageError(`invalid ${key} '${value}': retention must be at least 1h`);
  return ms;
}

/** The policy in force: what was set, else the defaults. */
export function retentionPolicy(settings: Pick<SettingsRepo, 'get'>): RetentionPolicy {
  const value = (key: RetentionKey) => parseRetention(key, settings.get(key) ?? retentionSettings[key].default);
  return {
    auditBodiesMs: value('retention.audit-bodies'),
    auditMs: value('retention.audit'),
    usageRawMs: value('retention.usage-raw'),
    usageHourlyMs: value('retention.usage-hourly'),
  };
}

/**
 * Checks a policy as a whole: bodies cannot outlive their audit rows, nor raw usage its hourly totals
 * (reports over whole hours read only the totals). Returns the first problem, in words.
 */
export function policyProblem(p: RetentionPolicy): string | undefined {
  if (p.auditBodiesMs > p.auditMs) return 'retention.audit-bodies cannot be longer than retention.audit';
  if (p.usageRawMs > p.usageHourlyMs) return 'retention.usage-raw cannot be longer than retention.usage-hourly';
  return undefined;
}

/** Rows per step: each step is one short transaction, so requests wait at most a few ms for the lock. */
const STEP_ROWS = 1_000;
const STEP_PAGES = 256;

export interface PruneStep {
  kind: 'audit-bodies' | 'audit' | 'usage-raw' | 'usage-hourly' | 'vacuum';
  changed: number;
}

/**
 * The work of one retention pass, one short transaction per step, in order: audit bodies, audit rows,
 * raw usage, hourly totals, then freed pages given back to the file system (databases created with
 * incremental vacuum) and the log checkpointed. The caller decides how to pace the steps.
 */
export function* pruneSteps(store: Store, policy: RetentionPolicy, now: number): Generator<PruneStep> {
  const run = (fn: () => number) => store.transaction(fn);
  for (let n; (n = run(() => store.audit.pruneBodies(now - policy.auditBodiesMs, STEP_ROWS))) > 0;)
    yield { kind: 'audit-bodies', changed: n };
  for (let n; (n = run(() => store.audit.prune(now - policy.auditMs, STEP_ROWS))) > 0;)
    yield { kind: 'audit', changed: n };
  for (let n; (n = run(() => store.usage.pruneRaw(now - policy.usageRawMs, STEP_ROWS))) > 0;)
    yield { kind: 'usage-raw', changed: n };
  for (let n; (n = run(() => store.usage.pruneOldestHour(now - policy.usageHourlyMs))) > 0;)
    yield { kind: 'usage-hourly', changed: n };
  if (!store.space.incremental()) return;
  for (let free = store.space.freePages(); free > 0;) {
    const left = store.space.vacuumStep(STEP_PAGES);
    yield { kind: 'vacuum', changed: free - left };
    if (left >= free) break;
    free = left;
  }
  store.space.checkpoint();
}

export interface PruneSummary {
  /** Rows changed (bodies dropped, rows deleted) or pages given back, per kind. */
  changed: Record<PruneStep['kind'], number>;
  steps: number;
  /** The longest single step: how long a request could have waited for the write lock. */
  longestStepMs: number;
  ms: number;
}

/** A pass's summary before its first step: nothing changed yet. */
export const emptyPruneSummary = (): PruneSummary => ({
  changed: { 'audit-bodies': 0, audit: 0, 'usage-raw': 0, 'usage-hourly': 0, vacuum: 0 },
  steps: 0,
  longestStepMs: 0,
  ms: 0,
});

/**
 * Runs a whole pass. `between` runs after every step: the daemon yields to the event loop there, so
 * requests are served while a large prune goes on; `stop` ends the pass early (shutdown).
 */
export async function prune(
  store: Store,
  policy: RetentionPolicy,
  options: { now?: number; between?: () => Promise<void>; stop?: () => boolean } = {},
): Promise<PruneSummary> {
  const summary = emptyPruneSummary();
  const started = performance.now();
  const steps = pruneSteps(store, policy, options.now ?? Date.now());
  while (!options.stop?.()) {
    const stepStart = performance.now();
    const next = steps.next();
    if (next.done) break;
    summary.longestStepMs = Math.max(summary.longestStepMs, performance.now() - stepStart);
    summary.changed[next.value.kind] += next.value.changed;
    summary.steps++;
    await options.between?.();
  }
  summary.ms = performance.now() - started;
  return summary;
}
