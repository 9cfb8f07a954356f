import type { AuditRecord } from '../../../store/repos/audit.js';
import type { UsageRecord } from '../../../store/repos/usage.js';
import type { ErrorRates } from '../../../gateway/health/error-rates.js';
import type { Metrics } from '../../metrics.js';
import type { DaemonStatus } from '../../status.js';
import type { Exchange } from '../exchange.js';
import type { Recorder } from './recorder.js';
import { logRequest } from './request-log.js';
import type { Logger } from 'pino';
import { requestLogger } from '../../logger.js';

/** The cost of one attempt in nano-USD: 0 when nothing was billed, null when the price is unknown. */
export type CostOf = (attempt: UsageRecord, exchange: Exchange) => number | null;

/** Where a finished exchange goes: usage/audit rows (batched), metrics, the live counters and the log line. */
export class ExchangeRecorder {
  constructor(
    private readonly recorder: Pick<Recorder, 'usage' | 'audit'>,
    private readonly metrics: Metrics,
    private readonly status: DaemonStatus,
    private readonly auditBodyLimit: number,
    private readonly errorRates: ErrorRates,
    private readonly costOf: CostOf,
    logger: Logger,
  ) {
    this.requestLog = requestLogger(logger);
  }

  private readonly requestLog: Logger;

  /** As soon as an attempt ends: routing on error rates sees it before the request is over. */
  attempt = (usage: UsageRecord): void => {
    this.errorRates.record(usage.resourceId, usage.connectionId, usage.model, usage.status);
  };

  /**
   * Exactly once per client request, whatever happened to it. The last attempt is the one that
   * answered; a request of a known environment that never reached a provider (bad key, unknown
   * resource, capacity) still gets a usage row, so `vmx usage` counts every request and error.
   */
  finish(exchange: Exchange): void {
    const durationMs = exchange.elapsed();
    if (exchange.timings.totalMs === 0) exchange.timings.totalMs = durationMs;
    this.status.inFlight--;
    // A stream cut short by an error after its 200 failed too.
    const failed = exchange.status >= 400 || exchange.error !== null;
    if (failed) this.status.errors++;
    if (exchange.attempts.length === 0 && exchange.env) {
      exchange.usage({
        attempt: 0,
        connectionId: null,
        provider: null,
        model: null,
        status: exchange.status,
        error: exchange.error,
        durationMs,
        costNano: 0,
      });
    }
    const last = exchange.attempts[exchange.attempts.length - 1];
    if (last) {
      last.final = true;
      // Latency in reports is the client's: the whole request, earlier attempts included.
      last.durationMs = durationMs;
    }
    for (const attempt of exchange.attempts) {
      if (attempt.provider !== null) attempt.costNano = this.costOf(attempt, exchange);
      this.recorder.usage(attempt);
      this.metrics.attempt(attempt);
      this.status.attempt(attempt);
    }
    this.metrics.request({
      route: exchange.route,
      // A name that matched no resource is the client's text: as a label it would grow the metrics
      // (and their memory) with every name a client makes up.
      resource: knownResource(exchange),
      provider: exchange.provider,
      status: exchange.status,
      failed,
      durationMs,
      ttftMs: exchange.timings.ttftMs,
    });
    const audit: AuditRecord = {
      requestId: exchange.requestId,
      at: exchange.at,
      workspaceId: exchange.env?.workspace.id ?? null,
      environmentId: exchange.env?.environment.id ?? null,
      keyId: exchange.key?.id || null,
      resource: exchange.resource,
      route: exchange.route,
      stream: exchange.stream,
      status: exchange.status,
      error: exchange.error,
      events: [...exchange.events, ...exchange.notes],
      timings: { ...exchange.timings, totalMs: durationMs },
      // Cut to the configured size.
      requestBody: cap(requestText(exchange), this.auditBodyLimit),
      responseBody: exchange.responseBody || null,
      correlationId: exchange.correlationId ?? null,
      durationMs,
    };
    this.recorder.audit(audit);
    logRequest(this.requestLog, exchange, durationMs);
  }

  start(): void {
    this.status.total++;
    this.status.inFlight++;
  }
}

/** The body as the client sent it; serialised from the parsed body when the route did not keep its text. */
function requestText(exchange: Exchange): string | null {
  if (exchange.requestText !== undefined) return exchange.requestText;
  return exchange.requestBody === undefined ? null : JSON.stringify(exchange.requestBody);
}

/** The resource label of a request: its name when the environment has a resource of that name, else ''. */
function knownResource({ env, resource }: Exchange): string {
  return resource !== null && env?.resources.has(resource) ? resource : '';
}

function cap(text: string | null, limit: number): string | null {
  if (text === null || text.length <= limit) return text;
  return `${text.slice(0, limit)}…[${text.length - limit} more characters not stored]`;
}
