import type { ServerResponse } from 'node:http';
import type { ModelRef } from '../../../gateway/routing/index.js';
import { errorShapes } from '../../../providers/dialects/index.js';
import type { CallSignal } from '../../../providers/cancel.js';
import type { PivotRequest } from '../../../providers/pivot.js';
import { redactSecrets } from '../../../providers/redact.js';
import type { Dialect } from '../../../providers/registry.js';
import type { UpstreamResponse } from '../../../providers/types.js';
import { AttemptFailed, runAttempts, type Attempt } from '../attempts.js';
import type { Exchange } from '../exchange.js';
import type { InboundBody } from '../request-body.js';
import { forwardedHeaders } from './forwarded-headers.js';
import { convertJson, parseJson, relayJson } from './json.js';
import type { CompletionDeps, Output } from './output.js';
import { convertStream, relayStream } from './stream.js';
import { readText } from './upstream-read.js';

export type { CompletionDeps } from './output.js';

/**
 * Runs the attempt chain for one client request and writes the response in the client's dialect.
 * Same dialect as the provider's → passthrough: the client's body goes out with only `model` replaced
 * and `vmx` removed, and the answer comes back as sent plus the `vmx` envelope. Otherwise the request
 * is converted through the pivot, and the answer (or the stream, event by event) back. A provider's
 * error answer becomes an AttemptFailed carrying it, so that the last one can reach the client.
 */
export async function serveCompletion(
  deps: CompletionDeps,
  exchange: Exchange,
  inbound: InboundBody,
  chain: ModelRef[],
  raw: ServerResponse,
  signal: CallSignal,
): Promise<void> {
  const { vmx: _vmx, ...clientBody } = inbound.body;
  let pivot: PivotRequest | undefined;
  const attemptDeps = {
    config: deps.config,
    adapters: deps.adapters,
    gate: deps.gate,
    pools: deps.pools,
    record: deps.recordAttempt,
  };
  await runAttempts(exchange, chain, attemptDeps, signal, async (attempt) => {
    const dialect = attempt.adapter.dialectFor(exchange.dialect, attempt.ref.model);
    if (dialect === exchange.dialect) {
      const body: Record<string, unknown> = { ...clientBody, model: attempt.ref.model };
      // The gateway always wants usage in a chat stream; clients that did not ask never see it.
      if (inbound.stream && dialect === 'openai-chat')
        body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
      const response = await send(attempt, dialect, body, inbound.stream, signal);
      deps.onHeaders?.(attempt.connection.id, attempt.ref.model, response.headers);
      const out: Output = { deps, exchange, attempt, response, raw };
      if (inbound.stream && isStream(response)) await relayStream(out, inbound);
      else await relayJson(out);
      return;
    }
    const from = deps.codecs[exchange.dialect];
    const to = deps.codecs[dialect];
    if (!from || !to) throw new AttemptFailed(502, `no conversion from ${exchange.dialect} to ${dialect}`);
    if (!pivot) {
      const decoded = from.decodeRequest(clientBody);
      pivot = decoded.value;
      noteDropped(exchange, exchange.dialect, 'pivot', decoded.dropped);
    }
    const encoded = to.encodeRequest({ ...pivot, model: attempt.ref.model, stream: inbound.stream });
    noteDropped(exchange, exchange.dialect, dialect, encoded.dropped);
    const response = await send(attempt, dialect, encoded.value, inbound.stream, signal);
    deps.onHeaders?.(attempt.connection.id, attempt.ref.model, response.headers);
    const out: Output = { deps, exchange, attempt, response, raw };
    if (inbound.stream) await convertStream(out, inbound, from, to);
    else await convertJson(out, from, to);
  });
}

/** Sends one attempt; an error status is read whole (credentials the provider echoed blanked) and thrown with its answer. */
async function send(
  attempt: Attempt,
  dialect: Dialect,
  body: Record<string, unknown>,
  stream: boolean,
  signal: CallSignal,
): Promise<UpstreamResponse> {
  const response = await attempt.adapter.send(attempt.target, { dialect, body, stream, signal });
  if (response.status < 400) return response;
  const text = redactSecrets(await readText(response), attempt.target.secret);
  const said = errorShapes[dialect].read(parseJson(text));
  const message = said?.message ?? (text.trim().slice(0, 300) || 'no error message');
  throw new AttemptFailed(response.status, `${response.status} ${message}`, {
    status: response.status,
    body: text,
    headers: forwardedHeaders(response.headers, attempt.target.secret),
    dialect,
  });
}

/** Conversions that lost something say so in the audit events. */
function noteDropped(exchange: Exchange, from: Dialect, to: Dialect | 'pivot', dropped: string[]): void {
  if (dropped.length > 0) exchange.notes.push({ type: 'conversion', at: new Date().toISOString(), from, to, dropped });
}

function isStream(response: UpstreamResponse): boolean {
  const type = response.headers['content-type'];
  return typeof type === 'string' && type.includes('text/event-stream');
}
