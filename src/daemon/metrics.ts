import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UsageRecord } from '../store/repos/usage.js';

/** Prometheus metrics of the gateway (GET /metrics), fed from the same records as usage and audit. */
export class Metrics {
  readonly registry = new Registry();
  // prom-client hashes a label object on every inc(): counts are tallied here as plain numbers and
  // added to their counters when the registry is read (/metrics).
  private readonly requestsBy = new Tally();
  private readonly attemptsBy = new Tally();
  private readonly errorsBy = new Tally();
  private readonly tokensBy = new Tally();
  private readonly costBy = new Tally();
  private readonly unpricedBy = new Tally();
  private readonly requests = new Counter({
    name: 'vmx_requests_total',
    help: 'Client requests by route, resource, provider and HTTP status',
    labelNames: ['route', 'resource', 'provider', 'status'],
    registers: [this.registry],
    collect: flushing(this.requestsBy),
  });
  private readonly attempts = new Counter({
    name: 'vmx_provider_attempts_total',
    help: 'Provider attempts (one per model tried) by route, resource, provider, model and status',
    labelNames: ['route', 'resource', 'provider', 'model', 'status'],
    registers: [this.registry],
    collect: flushing(this.attemptsBy),
  });
  private readonly errors = new Counter({
    name: 'vmx_errors_total',
    help: 'Client requests that failed (an error status, or a stream cut short after its 200), by route, resource, provider and status',
    labelNames: ['route', 'resource', 'provider', 'status'],
    registers: [this.registry],
    collect: flushing(this.errorsBy),
  });
  private readonly tokens = new Counter({
    name: 'vmx_tokens_total',
    help: 'Tokens reported by providers, by route, resource, provider, model and kind (input|output|cached)',
    labelNames: ['route', 'resource', 'provider', 'model', 'kind'],
    registers: [this.registry],
    collect: flushing(this.tokensBy),
  });
  private readonly cost = new Counter({
    name: 'vmx_cost_usd_total',
    help: 'Cost of provider attempts with a known price, in USD, by route, resource, provider and model',
    labelNames: ['route', 'resource', 'provider', 'model'],
    registers: [this.registry],
    collect: flushing(this.costBy),
  });
  private readonly unpriced = new Counter({
    name: 'vmx_unpriced_attempts_total',
    help: 'Provider attempts with tokens but no known price (their cost is not in vmx_cost_usd_total)',
    labelNames: ['route', 'resource', 'provider', 'model'],
    registers: [this.registry],
    collect: flushing(this.unpricedBy),
  });
  private readonly latency = new Histogram({
    name: 'vmx_request_duration_seconds',
    help: 'Time from request to the end of the response, by route, resource, provider and status',
    labelNames: ['route', 'resource', 'provider', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly ttft = new Histogram({
    name: 'vmx_time_to_first_token_seconds',
    help: 'Time from request to the first streamed event, by route, resource and provider',
    labelNames: ['route', 'resource', 'provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'vmx_process_' });
  }

  // prom-client hashes a label object on every call: each label set's histogram child is looked up once.
  private readonly latencyBy = new Children((values) => this.latency.labels(...values));
  private readonly ttftBy = new Children((values) => this.ttft.labels(...values));

  /** One usage row: a provider attempt (a request refused before any has no provider and counts in requests only). */
  attempt(record: UsageRecord): void {
    if (record.provider === null) return;
    const provider = record.provider;
    const model = record.model ?? 'none';
    // A resource made up by the request (overrides) is labelled '', as its name is the client's text.
    const resource = record.resourceId !== null ? record.resource : '';
    this.attemptsBy.add([record.route, resource, provider, model, String(record.status)]);
    const labels = [record.route, resource, provider, model];
    if (record.costNano === null) this.unpricedBy.add(labels);
    else if (record.costNano > 0) this.costBy.add(labels, record.costNano / 1e9);
    if (record.inputTokens) this.tokensBy.add([...labels, 'input'], record.inputTokens);
    if (record.outputTokens) this.tokensBy.add([...labels, 'output'], record.outputTokens);
    if (record.cachedTokens) this.tokensBy.add([...labels, 'cached'], record.cachedTokens);
  }

  /** One client request, when its response is complete. */
  request(input: {
    route: string;
    resource: string;
    provider: string;
    status: number;
    failed: boolean;
    durationMs: number;
    ttftMs?: number;
  }): void {
    const labels = [input.route, input.resource, input.provider, String(input.status)];
    this.requestsBy.add(labels);
    if (input.failed) this.errorsBy.add(labels);
    this.latencyBy.get(labels).observe(input.durationMs / 1000);
    if (input.ttftMs !== undefined)
      this.ttftBy.get([input.route, input.resource, input.provider]).observe(input.ttftMs / 1000);
  }
}

/** Memoised metric children by label values. */
class Children<T> {
  private readonly byKey = new Map<string, T>();
  constructor(private readonly make: (values: string[]) => T) {}
  get(values: string[]): T {
    const key = values.join('\u0001');
    let child = this.byKey.get(key);
    if (!child) this.byKey.set(key, (child = this.make(values)));
    return child;
  }
}

/** A counter's `collect`: what its tally counted since the last read goes into the counter. */
function flushing(tally: Tally) {
  return function (this: Counter<string>): void {
    tally.flushInto(this);
  };
}

/** Counts by label values, kept as plain numbers until their counter is read (`flushInto`). */
class Tally {
  private readonly byKey = new Map<string, { values: string[]; pending: number }>();

  add(values: string[], amount = 1): void {
    const key = values.join('\u0001');
    const entry = this.byKey.get(key);
    if (entry) entry.pending += amount;
    else this.byKey.set(key, { values, pending: amount });
  }

  /** Adds what was counted since the last read to `counter`. */
  flushInto(counter: Counter<string>): void {
    for (const entry of this.byKey.values()) {
      if (entry.pending === 0) continue;
      counter.labels(...entry.values).inc(entry.pending);
      entry.pending = 0;
    }
  }
}
