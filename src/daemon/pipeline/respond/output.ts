import type { PoolGate } from '../../../gateway/pools/gate.js';
import type { ServerResponse } from 'node:http';
import type { CapacityGate } from '../../../gateway/capacity/gate.js';
import type { DialectCodec, PivotUsage } from '../../../providers/pivot.js';
import type { Dialect } from '../../../providers/registry.js';
import type { ProviderAdapter, UpstreamResponse } from '../../../providers/types.js';
import type { LiveConfig } from '../../config-snapshot.js';
import type { Attempt } from '../attempts.js';
import type { Exchange } from '../exchange.js';
import { usageRow } from '../record/usage-row.js';
import { envelope, vmxHeaders } from './envelope.js';
import { forwardedHeaders } from './forwarded-headers.js';

export interface CompletionDeps {
  config: LiveConfig;
  gate: CapacityGate;
  /** The prioritization gate, after capacity. */
  pools?: PoolGate;
  /** Provider rate-limit headers seen on a successful answer (discovered capacity). */
  onHeaders?: (connectionId: string, model: string, headers: UpstreamResponse['headers']) => void;
  adapters: Partial<Record<string, ProviderAdapter>>;
  codecs: Partial<Record<Dialect, DialectCodec>>;
  recordAttempt: (usage: Exchange['attempts'][number]) => void;
  /** Cap on the response text kept for the audit row. */
  auditBodyLimit: number;
}

/** One attempt's answer on its way to the client: what every writer of respond/ works with. */
export interface Output {
  deps: CompletionDeps;
  exchange: Exchange;
  attempt: Attempt;
  /** The provider's answer (its status is below 400). */
  response: UpstreamResponse;
  raw: ServerResponse;
}

/** Stamps provider and total time; returns the provider time. */
export function done({ exchange, attempt }: Output): number {
  exchange.timings.providerMs = performance.now() - attempt.startedAt;
  exchange.timings.totalMs = exchange.elapsed();
  return exchange.timings.providerMs;
}

export const envelopeOf = (exchange: Exchange) => envelope(exchange.requestId, exchange.events, exchange.timings);

/** The attempt answered: its usage row, and its tokens settled with the capacity gate. */
export function finishAttempt(
  out: Output,
  status: number,
  error: string | null,
  pivotUsage: PivotUsage | undefined,
  providerMs: number,
): void {
  const { deps, exchange, attempt } = out;
  exchange.provider = attempt.label.provider;
  const usage = usageRow(pivotUsage);
  if (attempt.admission) deps.gate.reconcile(attempt.admission, usage?.totalTokens ?? attempt.admission.estimate);
  if (attempt.pooled) deps.pools?.reconcile(attempt.pooled, usage?.totalTokens ?? attempt.pooled.estimate);
  deps.recordAttempt(
    exchange.usage({
      connectionId: attempt.connection.id,
      provider: attempt.label.provider,
      model: attempt.ref.model,
      status,
      error,
      ...usage,
      durationMs: exchange.elapsed(),
      providerMs,
      ttftMs: exchange.timings.ttftMs ?? null,
      gateMs: exchange.timings.gateMs,
    }),
  );
}

/** The `x-vmx-*` headers and the answering provider's own headers that clients read. */
export function headersFor(
  { exchange, attempt, response }: Output,
  headers: Record<string, string>,
): Record<string, string> {
  forwardedHeaders(response.headers, attempt.target.secret, headers);
  return vmxHeaders(
    {
      requestId: exchange.requestId,
      resource: exchange.resource ?? '',
      answered: attempt.label,
      gateMs: exchange.timings.gateMs,
      routingMs: exchange.timings.routingMs,
      correlationId: exchange.correlationId,
      events: exchange.events,
    },
    headers,
  );
}
