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
    help: 'Client requests answered with an error status, by route, resource, provider and status',
    labelNames: ['route', 'resource', 'provider', 'status'],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'vmx_tokens_total',
    help: 'Tokens reported by providers, by route, resource, provider, model and kind (input|output|cached)',
    labelNames: ['route', 'resource', 'provider', 'model', 'kind'],
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

  /** One provider attempt. */
  attempt(record: UsageRecord): void {
    const provider = record.provider ?? 'none';
    const model = record.model ?? 'none';
    this.attempts.inc({ route: record.route, resource: record.resource, provider, model, status: record.status });
    const labels = { route: record.route, resource: record.resource, provider, model };
    if (record.inputTokens) this.tokens.inc({ ...labels, kind: 'input' }, record.inputTokens);
    if (record.outputTokens) this.tokens.inc({ ...labels, kind: 'output' }, record.outputTokens);
    if (record.cachedTokens) this.tokens.inc({ ...labels, kind: 'cached' }, record.cachedTokens);
  }

  /** One client request, when its response is complete. */
  request(input: { route: string; resource: string; provider: string; status: number; durationMs: number; ttftMs?: number }): void {
    const labels = { route: input.route, resource: input.resource, provider: input.provider, status: input.status };
    this.requests.inc(labels);
    if (input.status >= 400) this.errors.inc(labels);
    this.latency.observe(labels, input.durationMs / 1000);
    if (input.ttftMs !== undefined) {
      this.ttft.observe({ route: input.route, resource: input.resource, provider: input.provider }, input.ttftMs / 1000);
    }
  }
}
