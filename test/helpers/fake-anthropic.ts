import {
  anthropicError,
  anthropicMessage,
  anthropicStreamEvents,
  fakeInputTokens,
  fakeReplyText,
  planReply,
  promptText,
  type Behaviour,
  type SentUsage,
} from './fake-anthropic-wire.js';
import { sendJson, sendStream, startFakeUpstream } from './fake-upstream.js';
import type { Exchange, FakeUpstream, FakeUpstreamOptions, RecordedExchange } from './fake-upstream.js';

/**
 * A fake Anthropic upstream at the network edge, speaking the real Messages wire format (JSON and SSE) so the
 * official `@anthropic-ai/sdk`, and vmx's adapters, parse it as they would the real API.
 *
 * Routes: `POST /v1/messages` (JSON, or SSE when `stream: true`) and `POST /v1/messages/count_tokens`;
 * anything else answers 404 in Anthropic's error shape. Both routes take behaviours from the queue.
 * Authentication: `x-api-key: <key>` or `authorization: Bearer <key>` (the SDK sends the latter); neither gives
 * 401 `authentication_error` without consuming a behaviour.
 */

export type { AnthropicUsage, Behaviour, SentUsage } from './fake-anthropic-wire.js';
export { anthropicError, fakeInputTokens, fakeReplyText, fakeTokens } from './fake-anthropic-wire.js';

export type AnthropicRoute = 'messages' | 'count_tokens';

export interface RecordedRequest extends RecordedExchange {
  /** undefined for unknown paths. */
  route?: AnthropicRoute;
  /** How the client authenticated (undefined: it did not, and got 401). */
  auth?: 'x-api-key' | 'bearer';
  /** The key it sent, from either header. */
  apiKey?: string;
  /** `anthropic-version` header. */
  anthropicVersion?: string;
  /** True when the body asked for a stream. */
  stream: boolean;
  /** The behaviour that answered it (undefined for unknown paths and authentication failures). */
  behaviour?: Behaviour;
  /** The usage the fake reported (messages answered in full; a stream once it starts sending all its events). */
  sentUsage?: SentUsage;
}

export interface FakeAnthropic extends FakeUpstream<RecordedRequest, Behaviour> {
  /** Base URL for the SDK, without `/v1`: `http://127.0.0.1:PORT` (the SDK appends `/v1/messages`). */
  url: string;
}

export interface FakeAnthropicOptions extends FakeUpstreamOptions<RecordedRequest, Behaviour> {
  /** When set, any other key gets 401 `authentication_error` (default: any key is accepted). */
  apiKey?: string;
}

type X = Exchange<RecordedRequest>;

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const upstream = await startFakeUpstream<RecordedRequest, Behaviour, AnthropicRoute>(options, {
    name: 'fake-anthropic',
    defaultBehaviour: { kind: 'reply' },
    route(method, pathname) {
      if (method !== 'POST') return undefined;
      if (pathname === '/v1/messages') return 'messages';
      if (pathname === '/v1/messages/count_tokens') return 'count_tokens';
      return undefined;
    },
    describe(req, route, base) {
      const apiKeyHeader = header(req.headers['x-api-key']);
      const authorization = header(req.headers.authorization);
      const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
      return {
        route,
        auth: apiKeyHeader ? 'x-api-key' : bearer ? 'bearer' : undefined,
        apiKey: apiKeyHeader || bearer || undefined,
        anthropicVersion: header(req.headers['anthropic-version']),
        stream: base.json?.stream === true,
      };
    },
    notFound: (x) =>
      sendJson(
        x.res,
        404,
        anthropicError(404, 'not_found_error', `Not found: ${x.entry.method} ${x.entry.path}`),
        requestId(x),
      ),
    gate(x) {
      const { auth, apiKey } = x.entry;
      if (!auth) {
        sendJson(x.res, 401, anthropicError(401, 'authentication_error', 'x-api-key header is required'), requestId(x));
        return true;
      }
      if (options.apiKey !== undefined && apiKey !== options.apiKey) {
        sendJson(x.res, 401, anthropicError(401, 'authentication_error', 'invalid x-api-key'), requestId(x));
        return true;
      }
      return false;
    },
    answer,
  });

  async function answer(x: X, route: AnthropicRoute, behaviour: Behaviour): Promise<void> {
    const { res, entry } = x;
    if (behaviour.kind === 'error') {
      const body = behaviour.body ?? anthropicError(behaviour.status, behaviour.type, behaviour.message);
      return sendJson(res, behaviour.status, body, { ...requestId(x), ...behaviour.headers });
    }
    const body = entry.json;
    const invalid = validate(body, route);
    if (invalid) return sendJson(res, 400, anthropicError(400, 'invalid_request_error', invalid), requestId(x));
    const model: string = body.model;
    if (route === 'count_tokens') {
      const given = 'usage' in behaviour ? behaviour.usage?.input_tokens : undefined;
      return sendJson(res, 200, { input_tokens: given ?? fakeInputTokens(body) }, requestId(x));
    }
    const plan = planReply(behaviour, {
      messageId: `msg_fake_${x.id}`,
      toolUseId: `toolu_fake_${x.id}`,
      model,
      promptText: promptText(body),
      defaultText: fakeReplyText(body, model),
    });
    const headers = { ...requestId(x), ...plan.headers };
    if (!entry.stream) {
      entry.sentUsage = plan.usage;
      return sendJson(res, 200, anthropicMessage(plan), headers);
    }
    const events = anthropicStreamEvents(plan, { ping: true }).map((e) => sse(e.type, e));
    const streamHeaders = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...headers,
    };
    if (behaviour.kind === 'stream-then-fail')
      return sendStream(x, streamHeaders, events, { failAfter: behaviour.afterEvents });
    if (behaviour.kind === 'stream-error') {
      const error = anthropicError(529, behaviour.type ?? 'overloaded_error', behaviour.message ?? 'Overloaded');
      return sendStream(x, streamHeaders, [...events.slice(0, behaviour.afterEvents), sse('error', error)]);
    }
    return sendStream(x, streamHeaders, events, {
      pauseMs: plan.chunkDelayMs,
      dropLast: plan.dropLast,
      onComplete: () => (entry.sentUsage = plan.usage),
    });
  }

  const { port } = upstream;
  return { ...upstream, url: `http://127.0.0.1:${port}` };
}

/** Why the real API would answer 400, or undefined. */
function validate(body: any, route: AnthropicRoute): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The request body is not valid JSON.';
  if (typeof body.model !== 'string') return 'model: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  if (route === 'messages' && typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  return undefined;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function requestId(x: { id: number }): Record<string, string> {
  return { 'request-id': `req_fake_${x.id}` };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
