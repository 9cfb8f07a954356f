import type { ServerResponse } from 'node:http';
import { UpstreamError } from '../../errors.js';
import { createSseDecoder } from '../../providers/dialects/sse-parse.js';
import { errorMessage } from '../../providers/openai/adapter.js';
import type { DialectCodec, PivotRequest, PivotStreamEvent, WireEvent } from '../../providers/pivot.js';
import type { Dialect } from '../../providers/registry.js';
import type { ProviderAdapter, UpstreamResponse } from '../../providers/types.js';
import type { ModelRef } from '../../store/routing/index.js';
import { errorEvent } from '../http-errors.js';
import { AttemptFailed, ClientGone, runAttempts, type Attempt } from './attempts.js';
import type { CapacityGate } from './capacity-gate.js';
import { ChatStreamRelay } from './chat-stream-relay.js';
import type { ConfigCache } from './config-cache.js';
import { envelope, vmxHeaders } from './envelope.js';
import type { Exchange } from './exchange.js';
import { NamedEventRelay } from './named-event-relay.js';
import type { InboundBody } from './request-body.js';
import { anthropicUsage, chatUsage, mergeUsage, pivotUsage, responsesUsage, type TokenUsage } from './usage-tokens.js';
import { withEnvelope } from './with-envelope.js';

export interface CompletionDeps {
  config: ConfigCache;
  gate: CapacityGate;
  /** Provider rate-limit headers seen on a successful answer (discovered capacity). */
  onHeaders?: (connectionId: string, model: string, headers: UpstreamResponse['headers']) => void;
  adapters: Partial<Record<string, ProviderAdapter>>;
  codecs: Partial<Record<Dialect, DialectCodec>>;
  recordAttempt: (usage: Exchange['attempts'][number]) => void;
  /** Cap on the response text kept for the audit row. */
  auditBodyLimit: number;
}

/**
 * Runs the attempt chain for one client request and writes the response in the client's dialect.
 * Same dialect as the provider's → passthrough: the client's body goes out with only `model` replaced
 * and `vmx` removed, and the answer comes back as sent plus the `vmx` envelope. Otherwise the request
 * is converted through the pivot, and the answer (or the stream, event by event) back.
 */
export async function serveCompletion(
  deps: CompletionDeps,
  exchange: Exchange,
  inbound: InboundBody,
  chain: ModelRef[],
  raw: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const { vmx: _vmx, ...clientBody } = inbound.body;
  let pivot: PivotRequest | undefined;
  const attemptDeps = { config: deps.config, adapters: deps.adapters, gate: deps.gate, record: deps.recordAttempt };
  await runAttempts(exchange, chain, attemptDeps, signal, async (attempt) => {
    const dialect = attempt.adapter.dialectFor(exchange.dialect, attempt.ref.model);
    if (dialect === exchange.dialect) {
      const body: Record<string, unknown> = { ...clientBody, model: attempt.ref.model };
      // The gateway always wants usage in a chat stream; clients that did not ask never see it.
      if (inbound.stream && dialect === 'openai-chat') body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
      const response = await send(attempt, dialect, body, inbound.stream, signal);
      deps.onHeaders?.(attempt.connection.id, attempt.ref.model, response.headers);
      if (inbound.stream && isStream(response)) await relayStream(deps, exchange, inbound, attempt, response, raw);
      else await relayJson(deps, exchange, attempt, response, raw);
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
    if (inbound.stream) await convertStream(deps, exchange, inbound, attempt, response, raw, from, to);
    else await convertJson(deps, exchange, attempt, response, raw, from, to);
  });
}

async function send(attempt: Attempt, dialect: Dialect, body: Record<string, unknown>, stream: boolean, signal: AbortSignal): Promise<UpstreamResponse> {
  const response = await attempt.adapter.send(attempt.target, { dialect, body, stream, signal });
  if (response.status >= 400) {
    const text = await response.body.text();
    throw new AttemptFailed(response.status, `${response.status} ${errorMessage(text)}`);
  }
  return response;
}

/** Conversions that lost something say so in the audit events. */
function noteDropped(exchange: Exchange, from: Dialect, to: Dialect | 'pivot', dropped: string[]): void {
  if (dropped.length > 0) exchange.notes.push({ type: 'conversion', at: new Date().toISOString(), from, to, dropped });
}

const passthroughUsage: Record<Dialect, (body: Record<string, unknown>) => TokenUsage | undefined> = {
  'openai-chat': chatUsage,
  'openai-responses': (body) => responsesUsage(body.usage as Record<string, unknown>),
  'anthropic-messages': (body) => anthropicUsage(body.usage as Record<string, unknown>),
  'bedrock-converse': () => undefined,
};

async function relayJson(deps: CompletionDeps, exchange: Exchange, attempt: Attempt, response: UpstreamResponse, raw: ServerResponse): Promise<void> {
  const text = await response.body.text();
  const parsed = parseObject(text);
  const providerMs = done(exchange, attempt);
  // The provider's bytes stay as they are; the envelope is spliced in before the closing brace.
  const close = text.lastIndexOf('}');
  writeJson(deps, exchange, attempt, raw, `${text.slice(0, close)},"vmx":${JSON.stringify(envelopeOf(exchange))}}`);
  finishAttempt(deps, exchange, attempt, 200, null, passthroughUsage[exchange.dialect](parsed), providerMs);
}

async function convertJson(
  deps: CompletionDeps,
  exchange: Exchange,
  attempt: Attempt,
  response: UpstreamResponse,
  raw: ServerResponse,
  from: DialectCodec,
  to: DialectCodec,
): Promise<void> {
  const parsed = parseObject(await response.body.text());
  let answer;
  try {
    answer = to.decodeResponse(parsed);
  } catch (error) {
    throw new AttemptFailed(502, `the provider sent a response vmx cannot read: ${(error as Error).message}`);
  }
  const providerMs = done(exchange, attempt);
  const body = from.encodeResponse(answer);
  writeJson(deps, exchange, attempt, raw, JSON.stringify({ ...body, vmx: envelopeOf(exchange) }));
  finishAttempt(deps, exchange, attempt, 200, null, pivotUsage(answer.usage), providerMs);
}

async function relayStream(
  deps: CompletionDeps,
  exchange: Exchange,
  inbound: InboundBody,
  attempt: Attempt,
  response: UpstreamResponse,
  raw: ServerResponse,
): Promise<void> {
  const env = (final: boolean) => {
    if (final) done(exchange, attempt);
    return envelopeOf(exchange);
  };
  const relay = exchange.dialect === 'openai-chat' ? new ChatStreamRelay({ hideUsage: !inbound.includeUsage, envelope: env }) : new NamedEventRelay(exchange.dialect, env);
  await streamOut(deps, exchange, attempt, raw, async (write) => {
    for await (const chunk of response.body) {
      await write(relay.push(chunk));
      if (exchange.timings.ttftMs === undefined && relay.firstEventAt !== undefined) exchange.timings.ttftMs = relay.firstEventAt - exchange.started;
    }
    await write(relay.end());
    return relay.usage;
  });
}

async function convertStream(
  deps: CompletionDeps,
  exchange: Exchange,
  inbound: InboundBody,
  attempt: Attempt,
  response: UpstreamResponse,
  raw: ServerResponse,
  from: DialectCodec,
  to: DialectCodec,
): Promise<void> {
  const decoder = to.streamDecoder();
  const context = { id: `vmx-${exchange.requestId}`, model: attempt.ref.model, created: Math.floor(exchange.at / 1000), includeUsage: inbound.includeUsage };
  const encoder = from.streamEncoder(context);
  let usage: TokenUsage | undefined;
  let first = true;
  const translate = (events: PivotStreamEvent[]) => {
    let text = '';
    for (const event of events) {
      if ((event.type === 'start' || event.type === 'finish') && event.usage) usage = mergeUsage(usage, pivotUsage(event.usage));
      text += encoder.push(event);
    }
    if (text && first) {
      first = false;
      exchange.timings.ttftMs = performance.now() - exchange.started;
      text = withEnvelope(text, envelopeOf(exchange), 'first');
    }
    return text;
  };
  await streamOut(deps, exchange, attempt, raw, async (write) => {
    for await (const event of wireEvents(response)) await write(translate(decoder.push(event)));
    const tail = translate(decoder.end()) + encoder.end();
    done(exchange, attempt);
    await write(withEnvelope(tail, envelopeOf(exchange), 'last'));
    return usage;
  });
}

/** Events from the provider: already parsed by its SDK, or SSE parsed from the body as it arrives. */
async function* wireEvents(response: UpstreamResponse): AsyncGenerator<WireEvent> {
  if (response.events) {
    yield* response.events;
    return;
  }
  const queue: WireEvent[] = [];
  const sse = createSseDecoder((event) => queue.push(event));
  for await (const chunk of response.body) {
    sse.push(chunk);
    yield* queue.splice(0);
  }
  sse.end();
  yield* queue.splice(0);
}

/**
 * Sends the stream headers (the response is committed: failures from here on become the dialect's
 * error event, not a fallback), runs `pump`, and records the attempt.
 */
async function streamOut(
  deps: CompletionDeps,
  exchange: Exchange,
  attempt: Attempt,
  raw: ServerResponse,
  pump: (write: (text: string) => Promise<void>) => Promise<TokenUsage | undefined>,
): Promise<void> {
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headersFor(exchange, attempt) });
  exchange.status = 200;
  let failure: string | null = null;
  let usage: TokenUsage | undefined;
  const write = (text: string) => writeChunk(exchange, deps, raw, text);
  try {
    usage = await pump(write);
  } catch (error) {
    if (raw.destroyed || error instanceof ClientGone) throw new ClientGone();
    failure = `the provider stream broke off: ${(error as Error).message}`;
    const { connection, provider, model } = attempt.label;
    raw.write(errorEvent(new UpstreamError([{ connection, provider, model, status: 502, reason: failure, retryable: false }]), exchange.dialect));
    exchange.error = failure;
  }
  raw.end();
  finishAttempt(deps, exchange, attempt, failure ? 502 : 200, failure, usage, done(exchange, attempt));
}

/** Writes with backpressure; a client that went away ends the relay. */
async function writeChunk(exchange: Exchange, deps: CompletionDeps, raw: ServerResponse, text: string): Promise<void> {
  if (!text) return;
  if (raw.destroyed) throw new ClientGone();
  if (exchange.responseBody.length < deps.auditBodyLimit) exchange.responseBody += text.slice(0, deps.auditBodyLimit - exchange.responseBody.length);
  if (raw.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => (raw.off('close', onClose), resolve());
    const onClose = () => (raw.off('drain', onDrain), reject(new ClientGone()));
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}

function writeJson(deps: CompletionDeps, exchange: Exchange, attempt: Attempt, raw: ServerResponse, text: string): void {
  raw.writeHead(200, { 'content-type': 'application/json', ...headersFor(exchange, attempt) });
  raw.end(text);
  exchange.status = 200;
  exchange.responseBody = text.length > deps.auditBodyLimit ? text.slice(0, deps.auditBodyLimit) : text;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new AttemptFailed(502, 'the provider sent an invalid response (not a JSON object)');
}

/** Stamps provider and total time; returns the provider time. */
function done(exchange: Exchange, attempt: Attempt): number {
  exchange.timings.providerMs = performance.now() - attempt.startedAt;
  exchange.timings.totalMs = exchange.elapsed();
  return exchange.timings.providerMs;
}

const envelopeOf = (exchange: Exchange) => envelope(exchange.requestId, exchange.events, exchange.timings);

function finishAttempt(
  deps: CompletionDeps,
  exchange: Exchange,
  attempt: Attempt,
  status: number,
  error: string | null,
  usage: TokenUsage | undefined,
  providerMs: number,
): void {
  exchange.provider = attempt.label.provider;
  if (attempt.admission) deps.gate.reconcile(attempt.admission, usage?.totalTokens ?? attempt.admission.estimate);
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

function headersFor(exchange: Exchange, attempt: Attempt): Record<string, string> {
  return vmxHeaders({
    requestId: exchange.requestId,
    resource: exchange.resource ?? '',
    answered: attempt.label,
    gateMs: exchange.timings.gateMs,
    routingMs: exchange.timings.routingMs,
    correlationId: exchange.correlationId,
    events: exchange.events,
  });
}

function isStream(response: UpstreamResponse): boolean {
  const type = response.headers['content-type'];
  return typeof type === 'string' && type.includes('text/event-stream');
}
