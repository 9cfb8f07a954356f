import { inboundSpec, type InboundDialect, type RouteName } from '../../providers/registry.js';
import { requestId } from './request-id.js';
import type { ApiKeyWithHash } from '../../store/repos/api-keys.js';
import type { UsageRecord } from '../../store/repos/usage.js';
import { estimateInputTokens } from '../../gateway/estimate/token-estimate.js';
import type { Admission, LimitSet } from '../../gateway/capacity/gate.js';
import type { EnvironmentConfig } from '../config-cache.js';
import type { Timings, VmxEvent } from './respond/envelope.js';

export type { RouteName };

/**
 * Everything known about one client request as it moves through the pipeline; the recorder turns it
 * into one audit row (and the attempts into usage rows).
 */
export class Exchange {
  readonly at = Date.now();
  readonly requestId = requestId(this.at);
  readonly started = performance.now();
  env: EnvironmentConfig | undefined;
  key: ApiKeyWithHash | undefined;
  resourceId: string | null = null;
  resource: string | null = null;
  stream = false;
  correlationId: string | undefined;
  requestBody: unknown;
  /** The body as the client sent it, when the route had it: the audit keeps these bytes. */
  requestText: string | undefined;
  /** The response as sent (JSON text, or the streamed SSE up to the audit size cap). */
  responseBody = '';
  status = 0;
  error: string | null = null;
  readonly events: VmxEvent[] = [];
  /** Audit-only events (what a conversion dropped); not part of the client's envelope. */
  readonly notes: Array<{ type: 'conversion'; at: string; from: string; to: string; dropped: string[] }> = [];
  readonly timings: Timings = { gateMs: 0, routingMs: 0, providerMs: 0, totalMs: 0 };
  readonly attempts: UsageRecord[] = [];
  /** The provider that answered (or last failed), for metrics. */
  provider = 'none';
  /** Capacity limits of the key and (when enforced) the resource, checked on every attempt. */
  limits: LimitSet[] = [];
  /**
   * Capacity charged before the request entered the pipeline (a batch item waits until it fits, then
   * runs on what it reserved): the first attempt uses it when it goes to `connectionId`.
   */
  reserved: { connectionId: string; admission: Admission } | undefined;
  private inputEstimate: number | undefined;

  /** The route name in usage rows, audit rows and metrics. */
  readonly route: RouteName;

  constructor(readonly dialect: InboundDialect) {
    this.route = inboundSpec(dialect).route as RouteName;
  }

  /** The input-token estimate of the request body, computed once and only when something needs it. */
  estimateInput(): number {
    this.inputEstimate ??= estimateInputTokens((this.requestBody ?? {}) as Record<string, unknown>);
    return this.inputEstimate;
  }

  elapsed(): number {
    return performance.now() - this.started;
  }

  /** A usage row for one attempt (numbered from 1), with the request-level fields filled in; kept in `attempts`. */
  usage(
    fields: Pick<UsageRecord, 'connectionId' | 'provider' | 'model' | 'status' | 'error'> & Partial<UsageRecord>,
  ): UsageRecord {
    const record: UsageRecord = {
      requestId: this.requestId,
      attempt: this.attempts.length + 1,
      at: Date.now(),
      workspaceId: this.env!.workspace.id,
      environmentId: this.env!.environment.id,
      keyId: this.key?.id || null,
      resourceId: this.resourceId,
      resource: this.resource ?? '',
      route: this.route,
      stream: this.stream,
      inputTokens: null,
      outputTokens: null,
      totalTokens: null,
      cachedTokens: null,
      cacheWriteTokens: null,
      durationMs: null,
      providerMs: null,
      ttftMs: null,
      gateMs: null,
      correlationId: this.correlationId ?? null,
      final: false,
      costNano: null,
      ...fields,
    };
    this.attempts.push(record);
    return record;
  }
}
