import type { UsageRecord } from '../store/repos/usage.js';

/** Live counters of a running daemon, for `vmx status` (GET /v1/status). */
export class DaemonStatus {
  readonly startedAt = Date.now();
  url = '';
  total = 0;
  inFlight = 0;
  errors = 0;
  private attempts = 0;
  private fallbacks = 0;
  private readonly tokens = { input: 0, output: 0, cached: 0 };
  private costNano = 0;
  private unpriced = 0;
  /** What the last retention pass did (set by the pruner). */
  retention: Record<string, unknown> | null = null;

  /** One usage row, as it is recorded. */
  attempt(record: UsageRecord): void {
    if (record.provider !== null) this.attempts++;
    if (!record.final) this.fallbacks++;
    this.tokens.input += record.inputTokens ?? 0;
    this.tokens.output += record.outputTokens ?? 0;
    this.tokens.cached += record.cachedTokens ?? 0;
    if (record.costNano === null) this.unpriced++;
    else this.costNano += record.costNano;
  }

  snapshot(version: string) {
    return {
      pid: process.pid,
      url: this.url,
      version,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeMs: Date.now() - this.startedAt,
      requests: { total: this.total, inFlight: this.inFlight, errors: this.errors },
      attempts: { total: this.attempts, fallbacks: this.fallbacks },
      tokens: { ...this.tokens },
      cost: { usd: this.costNano / 1e9, unpricedAttempts: this.unpriced },
      retention: this.retention,
    };
  }
}
