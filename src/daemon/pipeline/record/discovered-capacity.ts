import type { Capacity } from '../../../gateway/capacity/limits.js';
import type { RecordBatch } from './batch.js';

type Headers = Record<string, string | string[] | undefined>;

/** Per-minute request/token limits a provider announced in its rate-limit headers, if any. */
export function limitsFromHeaders(headers: Headers): Capacity | undefined {
  const number = (name: string) => {
    const value = headers[name];
    const parsed = Number(Array.isArray(value) ? value[0] : value);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
  };
  // OpenAI (and Groq): x-ratelimit-limit-*; Anthropic: anthropic-ratelimit-*-limit.
  const requests = number('x-ratelimit-limit-requests') ?? number('anthropic-ratelimit-requests-limit');
  const tokens =
    number('x-ratelimit-limit-tokens') ??
    number('anthropic-ratelimit-tokens-limit') ??
    number('anthropic-ratelimit-input-tokens-limit');
  if (requests === undefined && tokens === undefined) return undefined;
  return { period: 'minute', ...(requests !== undefined && { requests }), ...(tokens !== undefined && { tokens }) };
}

/**
 * Discovered capacity: what providers say their limits are, per connection and model, shown by
 * `vmx connection show`. Informational (the gate enforces only configured limits); sent to the store
 * with the recorder's batches when it changes.
 */
export class DiscoveredCapacityTracker {
  private readonly known = new Map<string, string>();
  private pending: RecordBatch['discovered'] = [];

  observe = (connectionId: string, model: string, headers: Headers): void => {
    const capacity = limitsFromHeaders(headers);
    if (!capacity) return;
    const key = `${connectionId}|${model}`;
    const text = JSON.stringify(capacity);
    if (this.known.get(key) === text) return;
    this.known.set(key, text);
    this.pending.push({ connectionId, model, capacity, at: new Date().toISOString() });
  };

  /** What changed since the last batch goes with it. */
  take = (batch: RecordBatch): void => {
    if (this.pending.length === 0) return;
    batch.discovered.push(...this.pending);
    this.pending = [];
  };
}
