import type { ServerResponse } from 'node:http';
import { UpstreamError } from '../../../errors.js';
import { readAnthropicUsage } from '../../../providers/dialects/anthropic-messages/usage.js';
import { errorShapes } from '../../../providers/dialects/index.js';
import { chatBodyUsage } from '../../../providers/dialects/openai-chat/usage.js';
import { readResponsesUsage } from '../../../providers/dialects/openai-responses/usage.js';
import { createSseDecoder } from '../../../providers/dialects/sse-parse.js';
import type { DialectCodec, PivotRequest, PivotStreamEvent, PivotUsage, WireEvent } from '../../../providers/pivot.js';
import { redactSecrets } from '../../../providers/redact.js';
import type { Dialect } from '../../../providers/registry.js';
import { UpstreamUnavailable, type ProviderAdapter, type UpstreamResponse } from '../../../providers/types.js';
import type { ModelRef } from '../../../gateway/routing/index.js';
import { errorEvent } from '../../http-errors.js';
import { AttemptFailed, ClientGone, runAttempts, type Attempt } from '../attempts.js';
import type { CapacityGate } from '../../../gateway/capacity/gate.js';
import { ChatStreamRelay } from './chat-stream-relay.js';
import type { ConfigCache } from '../../config-cache.js';
import { envelope, vmxHeaders } from './envelope.js';
import type { Exchange } from '../exchange.js';
import { forwardedHeaders } from './forwarded-headers.js';
import { NamedEventRelay } from './named-event-relay.js';
import type { InboundBody } from '../request-body.js';
import { usageRow } from '../record/usage-row.js';
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
 * is converted through the pivot, and the answer (or the stream, event by event) back. A provider's
 * error answer becomes an AttemptFailed carrying it, so that the last one can reach the client.
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
      if (inbound.stream && dialect === 'openai-chat')
        body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
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

/** Sends one attempt; an error status is read whole (credentials the provider echoed blanked) and thrown with its answer. */
async function send(
  attempt: Attempt,
  dialect: Dialect,
  body: Record<string, unknown>,
  stream: boolean,
  signal: AbortSignal,
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

/** The usage of a whole passthrough answer, read by its dialect's reader (the codecs use the same). */
const answerUsage: Record<Dialect, (body: Record<string, unknown>) => PivotUsage | undefined> = {
  'openai-chat': chatBodyUsage,
  'openai-responses': (body) => readResponsesUsage(body.usage),
  'anthropic-messages': (body) => readAnthropicUsage(body.usage),
  'bedrock-converse': () => undefined,
};

async function relayJson(
  deps: CompletionDeps,
  exchange: Exchange,
  attempt: Attempt,
  response: UpstreamResponse,
  raw: ServerResponse,
): Promise<void> {
  const text = await readText(response);
  const parsed = parseObject(text);
  const providerMs = done(exchange, attempt);
  // The provider's bytes stay as they are; the envelope is spliced in before the closing brace.
  const close = text.lastIndexOf('}');
  writeJson(
    deps,
    exchange,
    attempt,
    response,
    raw,
    `${text.slice(0, close)},"vmx":${JSON.stringify(envelopeOf(exchange))}}`,
  );
  finishAttempt(deps, exchange, attempt, 200, null, answerUsage[exchange.dialect](parsed), providerMs);
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
  const parsed = parseObject(await readText(response));
  let answer;
  try {
    answer = to.decodeResponse(parsed);
  } catch (error) {
    throw new AttemptFailed(502, `the provider sent a response vmx cannot read: ${(error as Error).message}`);
  }
  const providerMs = done(exchange, attempt);
  const body = from.encodeResponse(answer);
  writeJson(deps, exchange, attempt, response, raw, JSON.stringify({ ...body, vmx: envelopeOf(exchange) }));
  finishAttempt(deps, exchange, attempt, 200, null, answer.usage, providerMs);
}

/** How a relayed or converted stream ended. */
interface StreamEnd {
  usage: PivotUsage | undefined;
  /** The dialect's terminal event arrived (or, converted, the decoder saw the answer end). */
  complete: boolean;
  /** An error the provider reported inside the stream (already passed on to the client). */
  failure: string | undefined;
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
  const redact = (text: string) => redactSecrets(text, attempt.target.secret);
  const relay =
    exchange.dialect === 'openai-chat'
      ? new ChatStreamRelay({ hideUsage: !inbound.includeUsage, envelope: env, redact })
      : new NamedEventRelay(exchange.dialect, env, redact);
  await streamOut(deps, exchange, attempt, response, raw, relay, async (write) => {
    await eachChunk(response.body, async (chunk) => {
      const text = relay.push(chunk);
      if (exchange.timings.ttftMs === undefined && relay.firstEventAt !== undefined)
        exchange.timings.ttftMs = relay.firstEventAt - exchange.started;
      await write(text);
    });
    await write(relay.end());
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
  const context = {
    id: `vmx-${exchange.requestId}`,
    model: attempt.ref.model,
    created: Math.floor(exchange.at / 1000),
    includeUsage: inbound.includeUsage,
  };
  const encoder = from.streamEncoder(context);
  const end: StreamEnd = { usage: undefined, complete: false, failure: undefined };
  let first = true;
  const translate = (events: PivotStreamEvent[]) => {
    let text = '';
    for (let event of events) {
      if (event.type === 'start') end.usage = event.usage ?? end.usage;
      else if (event.type === 'finish') {
        end.usage = { ...end.usage, ...event.usage };
        end.complete = true;
      } else if (event.type === 'error') {
        // A provider may quote the credentials it was sent in its error: never any further.
        event = { ...event, message: redactSecrets(event.message, attempt.target.secret) };
        end.failure = event.message;
        end.complete = true;
      }
      text += encoder.push(event);
    }
    if (text && first) {
      first = false;
      exchange.timings.ttftMs = performance.now() - exchange.started;
      text = withEnvelope(text, envelopeOf(exchange), 'first');
    }
    return text;
  };
  await streamOut(deps, exchange, attempt, response, raw, end, async (write) => {
    await eachWireEvent(response, (event) => write(translate(decoder.push(event))));
    const tail = translate(decoder.end()) + encoder.end();
    done(exchange, attempt);
    await write(withEnvelope(tail, envelopeOf(exchange), 'last'));
  });
}

/** Events from the provider: already parsed by its SDK, or SSE parsed from the body as it arrives. */
async function eachWireEvent(response: UpstreamResponse, handle: (event: WireEvent) => Promise<void>): Promise<void> {
  if (response.events) return eachChunk(response.events, handle);
  const queue: WireEvent[] = [];
  const sse = createSseDecoder((event) => queue.push(event));
  await eachChunk(response.body, async (chunk) => {
    sse.push(chunk);
    for (const event of queue.splice(0)) await handle(event);
  });
  sse.end();
  for (const event of queue.splice(0)) await handle(event);
}

/**
 * Iterates what the provider sends. A failure while reading it is the provider's (it broke off, went
 * silent); a failure while handling a piece is the gateway's and is thrown as it is.
 */
async function eachChunk<T>(source: AsyncIterable<T>, handle: (item: T) => Promise<void>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        finished = true;
        throw brokeOff(error);
      }
      if (next.done) {
        finished = true;
        return;
      }
      await handle(next.value);
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/** The provider's whole answer as text; a failure while reading it is the provider's. */
async function readText(response: UpstreamResponse): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw brokeOff(error);
  }
}

/** A failure while reading a provider's answer: 504 when it went silent, else 502. */
function brokeOff(error: unknown): UpstreamUnavailable {
  if (error instanceof UpstreamUnavailable) return error;
  const code = (error as { code?: string })?.code;
  if (code === 'UND_ERR_BODY_TIMEOUT')
    return new UpstreamUnavailable('the provider went silent in the middle of its answer', 504);
  return new UpstreamUnavailable(`the provider's answer broke off: ${(error as Error)?.message ?? String(error)}`, 502);
}

/**
 * Sends the stream headers (the response is committed: failures from here on become the dialect's
 * error event, not a fallback), runs `pump`, and records the attempt with the usage `state` holds by
 * then. A stream that broke off or ended without its terminal event is a failed attempt, and the
 * client is told with an error event; an error the provider reported in the stream already reached
 * the client as it sent it. A client that went away leaves a 499 attempt with the tokens reported so
 * far. A bug in the gateway is thrown on (the route answers it as an internal error).
 */
async function streamOut(
  deps: CompletionDeps,
  exchange: Exchange,
  attempt: Attempt,
  response: UpstreamResponse,
  raw: ServerResponse,
  state: Readonly<StreamEnd>,
  pump: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headersFor(exchange, attempt, response),
  });
  exchange.status = 200;
  let failure: string | null = null;
  const tellClient = (reason: string) => {
    const { connection, provider, model } = attempt.label;
    raw.write(
      errorEvent(
        new UpstreamError([{ connection, provider, model, status: 502, reason, retryable: false }]),
        exchange.dialect,
      ),
    );
  };
  try {
    await pump((text) => writeChunk(exchange, deps, raw, text));
    if (state.failure !== undefined)
      failure = `the provider reported an error in the stream: ${redactSecrets(state.failure, attempt.target.secret)}`;
    else if (!state.complete) tellClient((failure = 'the provider stream ended before its last event'));
  } catch (error) {
    if (raw.destroyed || error instanceof ClientGone) {
      finishAttempt(
        deps,
        exchange,
        attempt,
        499,
        'the client closed the connection',
        state.usage,
        done(exchange, attempt),
      );
      throw new ClientGone();
    }
    if (!(error instanceof UpstreamUnavailable)) throw error;
    tellClient((failure = `the provider stream broke off: ${redactSecrets(error.message, attempt.target.secret)}`));
  }
  if (failure) exchange.error = failure;
  raw.end();
  finishAttempt(deps, exchange, attempt, failure ? 502 : 200, failure, state.usage, done(exchange, attempt));
}

/** Writes with backpressure; a client that went away ends the relay. */
async function writeChunk(exchange: Exchange, deps: CompletionDeps, raw: ServerResponse, text: string): Promise<void> {
  if (!text) return;
  if (raw.destroyed) throw new ClientGone();
  if (exchange.responseBody.length < deps.auditBodyLimit)
    exchange.responseBody += text.slice(0, deps.auditBodyLimit - exchange.responseBody.length);
  if (raw.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => (raw.off('close', onClose), resolve());
    const onClose = () => (raw.off('drain', onDrain), reject(new ClientGone()));
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}

function writeJson(
  deps: CompletionDeps,
  exchange: Exchange,
  attempt: Attempt,
  response: UpstreamResponse,
  raw: ServerResponse,
  text: string,
): void {
  raw.writeHead(200, { 'content-type': 'application/json', ...headersFor(exchange, attempt, response) });
  raw.end(text);
  exchange.status = 200;
  exchange.responseBody = text.length > deps.auditBodyLimit ? text.slice(0, deps.auditBodyLimit) : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> {
  const parsed = parseJson(text);
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0)
    return parsed as Record<string, unknown>;
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
  pivotUsage: PivotUsage | undefined,
  providerMs: number,
): void {
  exchange.provider = attempt.label.provider;
  const usage = usageRow(pivotUsage);
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

/** The `x-vmx-*` headers and the answering provider's own headers that clients read. */
function headersFor(exchange: Exchange, attempt: Attempt, response: UpstreamResponse): Record<string, string> {
  const own = vmxHeaders({
    requestId: exchange.requestId,
    resource: exchange.resource ?? '',
    answered: attempt.label,
    gateMs: exchange.timings.gateMs,
    routingMs: exchange.timings.routingMs,
    correlationId: exchange.correlationId,
    events: exchange.events,
  });
  return { ...forwardedHeaders(response.headers, attempt.target.secret), ...own };
}

function isStream(response: UpstreamResponse): boolean {
  const type = response.headers['content-type'];
  return typeof type === 'string' && type.includes('text/event-stream');
}
