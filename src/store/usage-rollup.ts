import type { Database } from 'better-sqlite3';
import { addTo, mergeInto, mergeText, parseSketch, type Sketch } from '../gateway/latency-sketch.js';

/**
 * SQL functions the roll-up uses; registered on every connection by openStore():
 * - `vmx_sketch(ms)`: aggregate, the latency sketch (JSON text) of a column, NULLs skipped;
 * - `vmx_sketch_union(sketch)`: aggregate, stored sketches merged;
 * - `vmx_sketch_merge(a, b)`: two sketches merged, for upserts into an existing hour.
 */
export function registerSqlFunctions(db: Database): void {
  db.aggregate('vmx_sketch', {
    start: () => ({}) as Sketch,
    step: (sketch: Sketch, ms: unknown) => {
      addTo(sketch, ms as number | null);
      return sketch;
    },
    result: (sketch: Sketch) => JSON.stringify(sketch),
  });
  db.aggregate('vmx_sketch_union', {
    start: () => ({}) as Sketch,
    step: (sketch: Sketch, text: unknown) => mergeInto(sketch, parseSketch(text as string | null)),
    result: (sketch: Sketch) => JSON.stringify(sketch),
  });
  db.function('vmx_sketch_merge', { deterministic: true }, (a: unknown, b: unknown) =>
    mergeText(a as string | null, b as string | null),
  );
}

/**
 * Adds the usage rows matching `where` (a condition on `usage`, e.g. an id range) to their hours of
 * usage_hourly. Requests are counted on the attempt that answered (`final`), so they add up across
 * models; latency and time to first token are the client's, taken from that attempt too.
 *
 * Migration 0005 uses this statement for the history it found; if usage_hourly ever changes shape,
 * freeze a copy of it into that migration first.
 */
export function rollUpStatement(db: Database, where: string) {
  return db.prepare(`
    INSERT INTO usage_hourly (hour, environment_id, workspace_id, key_id, resource, connection_id, provider, model, route, stream,
      requests, attempts, errors, fallbacks, input_tokens, output_tokens, cached_tokens, cache_write_tokens, total_tokens,
      cost_nano, unpriced, latency, ttft)
    SELECT (at / 3600000) * 3600000, environment_id, max(workspace_id), ifnull(key_id, ''), resource, ifnull(connection_id, ''),
      ifnull(provider, ''), ifnull(model, ''), route, stream,
      sum(final), sum(provider IS NOT NULL), sum(status >= 400), sum(final = 0),
      ifnull(sum(input_tokens), 0), ifnull(sum(output_tokens), 0), ifnull(sum(cached_tokens), 0),
      ifnull(sum(cache_write_tokens), 0), ifnull(sum(total_tokens), 0),
      ifnull(sum(cost_nano), 0), sum(cost_nano IS NULL),
      vmx_sketch(CASE WHEN final = 1 THEN duration_ms END), vmx_sketch(CASE WHEN final = 1 THEN ttft_ms END)
    FROM usage WHERE ${where}
    GROUP BY 1, environment_id, 4, resource, 6, 7, 8, route, stream
    ON CONFLICT DO UPDATE SET
      requests = requests + excluded.requests, attempts = attempts + excluded.attempts, errors = errors + excluded.errors,
      fallbacks = fallbacks + excluded.fallbacks, input_tokens = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens, cached_tokens = cached_tokens + excluded.cached_tokens,
      cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, total_tokens = total_tokens + excluded.total_tokens,
      cost_nano = cost_nano + excluded.cost_nano, unpriced = unpriced + excluded.unpriced,
      latency = vmx_sketch_merge(latency, excluded.latency), ttft = vmx_sketch_merge(ttft, excluded.ttft)`);
}
