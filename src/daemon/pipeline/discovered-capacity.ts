import type { Capacity } from '../../store/capacity.js';
import type { Store } from '../../store/open.js';
import type { DiscoveredCapacity } from '../../store/repos/connections.js';

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
  const tokens = number('x-ratelimit-limit-tokens') ?? number('anthropic-ratelimit-tokens-limit') ?? number('anthropic-ratelimit-input-tokens-limit');
  if (requests === undefined && tokens === undefined) return undefined;
  return { period: 'minute', ...(requests !== undefined && { requests }), ...(tokens !== undefined && { tokens }) };
}

/**
 * Discovered capacity: what providers say their limits are, per connection and model, shown by
 * `vmx connection show`. Informational (the gate enforces only configured limits); written to the
 * store with the recorder's batches when it changes.
 */
export class DiscoveredCapacityTracker {
  private readonly known = new Map<string, string>();
  private readonly pending = new Map<string, { model: string; capacity: Capacity }[]>();

  constructor(private readonly store: Store) {}

  observe = (connectionId: string, model: string, headers: Headers): void => {
    const capacity = limitsFromHeaders(headers);
    if (!capacity) return;
    const key = `${connectionId}|${model}`;
    const text = JSON.stringify(capacity);
    if (this.known.get(key) === text) return;
    this.known.set(key, text);
    const list = this.pending.get(connectionId) ?? [];
    list.push({ model, capacity });
    this.pending.set(connectionId, list);
  };

  /** Runs inside the recorder's transaction. */
  write = (): void => {
    if (this.pending.size === 0) return;
    for (const [connectionId, updates] of this.pending) {
      const connection = this.store.connections.get(connectionId);
      if (!connection) continue;
      const discovered: DiscoveredCapacity = { ...connection.discoveredCapacity };
      for (const { model, capacity } of updates) discovered[model] = { updatedAt: new Date().toISOString(), capacity: [capacity] };
      this.store.connections.setDiscoveredCapacity(connectionId, discovered);
    }
    this.pending.clear();
  };
}
