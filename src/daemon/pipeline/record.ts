import type { AuditRecord } from '../../store/repos/audit.js';
import type { UsageRecord } from '../../store/repos/usage.js';
import type { Metrics } from '../metrics.js';
import type { DaemonStatus } from '../status.js';
import type { Recorder } from './recorder.js';
import type { ErrorRates } from '../../store/routing/error-rates.js';
import type { Exchange } from './exchange.js';

/** Where a finished exchange goes: usage/audit rows (batched), metrics and the live counters. */
export class ExchangeRecorder {
  constructor(
    private readonly recorder: Recorder,
    private readonly metrics: Metrics,
    private readonly status: DaemonStatus,
    private readonly auditBodyLimit: number,
    private readonly errorRates: ErrorRates,
  ) {}

  attempt = (usage: UsageRecord): void => {
    this.recorder.usage(usage);
    this.metrics.attempt(usage);
    this.errorRates.record(usage.resourceId, usage.connectionId, usage.model, usage.status);
  };

  /** Exactly once per client request, whatever happened to it. */
  finish(exchange: Exchange): void {
    const durationMs = exchange.elapsed();
    if (exchange.timings.totalMs === 0) exchange.timings.totalMs = durationMs;
    this.status.inFlight--;
    if (exchange.status >= 400 || exchange.error) this.status.errors++;
    this.metrics.request({
      route: exchange.route,
      resource: exchange.resource ?? '',
      provider: exchange.provider,
      status: exchange.status,
      durationMs,
      ttftMs: exchange.timings.ttftMs,
    });
    const audit: AuditRecord = {
      requestId: exchange.requestId,
      at: exchange.at,
      workspaceId: exchange.env?.workspace.id ?? null,
      environmentId: exchange.env?.environment.id ?? null,
      keyId: exchange.key?.id ?? null,
      resource: exchange.resource,
      route: exchange.route,
      stream: exchange.stream,
      status: exchange.status,
      error: exchange.error,
      events: [...exchange.events, ...exchange.notes],
      timings: { ...exchange.timings, totalMs: durationMs },
      // Serialised here, after the response went out, and cut to the configured size.
      requestBody: cap(exchange.requestBody === undefined ? null : JSON.stringify(exchange.requestBody), this.auditBodyLimit),
      responseBody: exchange.responseBody || null,
      correlationId: exchange.correlationId ?? null,
      durationMs,
    };
    this.recorder.audit(audit);
  }

  start(): void {
    this.status.total++;
    this.status.inFlight++;
  }
}

function cap(text: string | null, limit: number): string | null {
  if (text === null || text.length <= limit) return text;
  return `${text.slice(0, limit)}…[${text.length - limit} more characters not stored]`;
}
