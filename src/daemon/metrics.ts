import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UsageRecord } from '../store/repos/usage.js';

/** Prometheus metrics of the gateway (GET /metrics), fed from the same records as usage and audit. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'vmx_requests_total',
    help: 'Client requests by route, resource, provider and HTTP status',
    labelNames: ['route', 'resource', 'provider', 'status'],
    registers: [this.registry],
  });
  private readonly attempts = new Counter({
    name: 'vmx_provider_attempts_total',
    help: 'Provider attempts (one per model tried) by route, resource, provider, model and status',
    labelNames: ['route', 'resource', 'provider', 'model', 'status'],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'vmx_errors_total',
    help: 'Client requests that failed (an error status, or a stream cut short after its 200), by route, resource, provider and status',
    labelNames: ['route', 'resource', 'provider', 'status'],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'vmx_tokens_total',
    help: 'Tokens reported by providers, by route, resource, provider, model and kind (input|output|cached)',
    labelNames: ['route', 'resource', 'provider', 'model', 'kind'],
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'vmx_cost_usd_total',
    help: 'Cost of provider attempts with a known price, in USD, by route, resource, provider and model',
    labelNames: ['route', 'resource', 'provider', 'model'],
    registers: [this.registry],
  });
  private readonly unpriced = new Counter({
    name: 'vmx_unpriced_attempts_total',
    help: 'Provider attempts with tokens but no known price (their cost is not in vmx_cost_usd_total)',
    labelNames: ['route', 'resource', 'provider', 'model'],
    registers: [this.registry],
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

  // prom-client hashes a label object on every call; each label set's child is looked up once instead.
  private readonly requestsBy = new Children((values) => this.requests.labels(...values));
  private readonly attemptsBy = new Children((values) => this.attempts.labels(...values));
  private readonly errorsBy = new Children((values) => this.errors.labels(...values));
  private readonly tokensBy = new Children((values) => this.tokens.labels(...values));
  private readonly costBy = new Children((values) => this.cost.labels(...values));
  private readonly unpricedBy = new Children((values) => this.unpriced.labels(...values));
  private readonly latencyBy = new Children((values) => this.latency.labels(...values));
  private readonly ttftBy = new Children((values) => this.ttft.labels(...values));

  /** One usage row: a provider attempt (a request refused before any has no provider and counts in requests only). */
  attempt(record: UsageRecord): void {
    if (record.provider === null) return;
    const provider = record.provider;
    const model = record.model ?? 'none';
    // A resource made up by the request (overrides) is labelled '', as its name is the client's text.
    const resource = record.resourceId !== null ? record.resource : '';
    this.attemptsBy.get([record.route, resource, provider, model, String(record.status)]).inc();
    const labels = [record.route, resource, provider, model];
    if (record.costNano === null) this.unpricedBy.get(labels).inc();
    else if (record.costNano > 0) this.costBy.get(labels).inc(record.costNano / 1e9);
    if (record.inputTokens) this.tokensBy.get([...labels, 'input']).inc(record.inputTokens);
    if (record.outputTokens) this.tokensBy.get([...labels, 'output']).inc(record.outputTokens);
    if (record.cachedTokens) this.tokensBy.get([...labels, 'cached']).inc(record.cachedTokens);
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
    this.requestsBy.get(labels).inc();
    if (input.failed) this.errorsBy.get(labels).inc();
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
