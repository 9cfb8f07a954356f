import type { ServerResponse } from 'node:http';
import { UpstreamError } from '../../errors.js';
import { errorMessage } from '../../providers/openai/adapter.js';
import type { ProviderAdapter, UpstreamResponse } from '../../providers/types.js';
import type { ModelRef } from '../../store/routing/index.js';
import { errorEvent } from '../http-errors.js';
import { AttemptFailed, ClientGone, runAttempts, type Attempt } from './attempts.js';
import { ChatStreamRelay } from './chat-stream-relay.js';
import type { ConfigCache } from './config-cache.js';
import { envelope, vmxHeaders } from './envelope.js';
import type { Exchange } from './exchange.js';
import type { ChatBody } from './request-body.js';
import { chatUsage, type TokenUsage } from './usage-tokens.js';

export interface ChatDeps {
  config: ConfigCache;
  adapters: Partial<Record<string, ProviderAdapter>>;
  recordAttempt: (usage: Exchange['attempts'][number]) => void;
  /** Cap on the response text kept for the audit row. */
  auditBodyLimit: number;
}

/**
 * Runs the attempt chain for an OpenAI chat completions request and writes the response — passthrough
 * to OpenAI-family providers: the client's body goes out with only `model` replaced and `vmx` removed
 * (plus `stream_options.include_usage` for the gateway's own accounting); the answer comes back as
 * sent, with the `vmx` envelope added.
 */
export async function serveChatCompletion(
  deps: ChatDeps,
  exchange: Exchange,
  chat: ChatBody,
  chain: ModelRef[],
  raw: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const { vmx: _vmx, ...clientBody } = chat.body;
  await runAttempts(exchange, chain, { config: deps.config, adapters: deps.adapters, record: deps.recordAttempt }, signal, async (attempt) => {
    if (attempt.adapter.dialectFor('openai-chat', attempt.ref.model) !== 'openai-chat') {
      throw new AttemptFailed(502, `${attempt.connection.provider} does not speak chat completions natively`);
    }
    const body: Record<string, unknown> = { ...clientBody, model: attempt.ref.model };
    if (chat.stream) body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
    const response = await attempt.adapter.send(attempt.target, { dialect: 'openai-chat', body, stream: chat.stream, signal });
    if (response.status >= 400) {
      const text = await response.body.text();
      throw new AttemptFailed(response.status, `${response.status} ${errorMessage(text)}`);
    }
    if (chat.stream && isEventStream(response)) await relayStream(deps, exchange, chat, attempt, response, raw);
    else await sendJson(deps, exchange, attempt, response, raw);
  });
}

async function sendJson(deps: ChatDeps, exchange: Exchange, attempt: Attempt, response: UpstreamResponse, raw: ServerResponse): Promise<void> {
  const text = await response.body.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) throw new Error();
  } catch {
    throw new AttemptFailed(502, 'the provider sent an invalid response (not a JSON object)');
  }
  const providerMs = performance.now() - attempt.startedAt;
  exchange.timings.providerMs = providerMs;
  exchange.timings.totalMs = exchange.elapsed();
  const usage = chatUsage(parsed);
  // The provider's bytes stay as they are; the envelope is spliced in before the closing brace.
  const close = text.lastIndexOf('}');
  const out = `${text.slice(0, close)},"vmx":${JSON.stringify(envelope(exchange.requestId, exchange.events, exchange.timings))}}`;
  raw.writeHead(200, { 'content-type': 'application/json', ...headersFor(exchange, attempt) });
  raw.end(out);
  exchange.status = 200;
  exchange.responseBody = out.length > deps.auditBodyLimit ? out.slice(0, deps.auditBodyLimit) : out;
  finishAttempt(deps, exchange, attempt, 200, null, usage, providerMs);
}

async function relayStream(
  deps: ChatDeps,
  exchange: Exchange,
  chat: ChatBody,
  attempt: Attempt,
  response: UpstreamResponse,
  raw: ServerResponse,
): Promise<void> {
  const relay = new ChatStreamRelay({
    hideUsage: !chat.includeUsage,
    envelope: (final) => {
      if (final) {
        exchange.timings.providerMs = performance.now() - attempt.startedAt;
        exchange.timings.totalMs = exchange.elapsed();
      }
      return envelope(exchange.requestId, exchange.events, exchange.timings);
    },
  });
  // From here on the client has a 200: failures become an error event, not a fallback.
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headersFor(exchange, attempt),
  });
  exchange.status = 200;
  let failure: string | null = null;
  try {
    for await (const chunk of response.body) {
      await write(exchange, deps, raw, relay.push(chunk));
      if (exchange.timings.ttftMs === undefined && relay.firstEventAt !== undefined) {
        exchange.timings.ttftMs = relay.firstEventAt - exchange.started;
      }
    }
    await write(exchange, deps, raw, relay.end());
  } catch (error) {
    if (raw.destroyed) throw new ClientGone();
    failure = `the provider stream broke off: ${(error as Error).message}`;
    await write(exchange, deps, raw, relay.end()).catch(() => undefined);
    const { connection, provider, model } = attempt.label;
    raw.write(errorEvent(new UpstreamError([{ connection, provider, model, status: 502, reason: failure, retryable: false }]), 'openai-chat'));
    exchange.error = failure;
  }
  raw.end();
  const providerMs = performance.now() - attempt.startedAt;
  exchange.timings.providerMs = providerMs;
  exchange.timings.totalMs = exchange.elapsed();
  finishAttempt(deps, exchange, attempt, failure ? 502 : 200, failure, relay.usage, providerMs);
}

/** Writes with backpressure; a client that went away ends the relay. */
async function write(exchange: Exchange, deps: ChatDeps, raw: ServerResponse, text: string): Promise<void> {
  if (!text) return;
  if (raw.destroyed) throw new ClientGone();
  if (exchange.responseBody.length < deps.auditBodyLimit) exchange.responseBody += text.slice(0, deps.auditBodyLimit - exchange.responseBody.length);
  if (!raw.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        raw.off('drain', onDrain);
        raw.off('close', onClose);
      };
      const onDrain = () => (cleanup(), resolve());
      const onClose = () => (cleanup(), reject(new ClientGone()));
      raw.once('drain', onDrain);
      raw.once('close', onClose);
    });
  }
}

function finishAttempt(
  deps: ChatDeps,
  exchange: Exchange,
  attempt: Attempt,
  status: number,
  error: string | null,
  usage: TokenUsage | undefined,
  providerMs: number,
): void {
  exchange.provider = attempt.label.provider;
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

function isEventStream(response: UpstreamResponse): boolean {
  const type = response.headers['content-type'];
  return typeof type === 'string' && type.includes('text/event-stream');
}
