import type { ServerResponse } from 'node:http';
import {
  contentText,
  responseJson,
  responseStreamEvents,
  responsesBodyError,
  responsesInputText,
  responsesReplyText,
} from './fake-openai-responses.js';
import type { ResponsesTurn } from './fake-openai-responses.js';
import { sendJson, sendStream, split, startFakeUpstream } from './fake-upstream.js';
import type { Exchange, FakeUpstream, FakeUpstreamOptions, RecordedExchange } from './fake-upstream.js';

/**
 * A fake OpenAI upstream at the network edge, speaking the real Chat Completions and Responses wire formats
 * (JSON and SSE) so the official `openai` SDK, and vmx's adapters, parse it as they would the real API.
 * Routes: `POST /v1/chat/completions`, `POST /v1/responses` (bodies built in fake-openai-responses.ts), `GET /v1/models`.
 * Used by the daemon's tests and by the benchmark (bench/upstream.ts).
 */

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
  /** Reported as `prompt_tokens_details.cache_write_tokens` (Responses: `input_tokens_details`); default 0 (Chat: absent). */
  cache_write_tokens?: number;
}

export type Behaviour =
  | {
      kind: 'reply';
      /**
       * Default: `Hello from fake model <model>`, or a mention of the tool result when the last message is a `tool`
       * message (chat) or the last input item a `function_call_output` (Responses).
       */
      text?: string;
      /** Default: {@link fakeTokens} of the prompt (chat) or of the input text (Responses, {@link fakeResponsesInputTokens}) and of the reply text. */
      usage?: FakeUsage;
      /** Default: the request's `model`. */
      model?: string;
      headers?: Record<string, string>;
      /** Stream only: the content is split into this many deltas (default: one per word). */
      chunks?: number;
      /** Stream only: pause between two data events. */
      chunkDelayMs?: number;
      /** Stream only: the last this many events are left out and the body ends cleanly. */
      dropLast?: number;
    }
  | {
      kind: 'tool-call';
      name: string;
      arguments: string;
      usage?: FakeUsage;
      model?: string;
      headers?: Record<string, string>;
    }
  /** OpenAI error shape by default: `{error:{message,type,code,param:null}}`. */
  | { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Waits before the status line, then behaves as `then`. */
  | { kind: 'delay'; ms: number; then: Behaviour }
  /** Reads the request and never answers, until the client gives up. */
  | { kind: 'hang' }
  /** Destroys the socket without answering. */
  | { kind: 'close' }
  /**
   * Sends 200 and `afterChunks` SSE events, then destroys the socket. Chat: the first is the role delta;
   * Responses: `response.created`, `response.in_progress`, `response.output_item.added`, `response.content_part.added`, then text deltas.
   */
  | { kind: 'stream-then-fail'; afterChunks: number };

export interface RecordedRequest extends RecordedExchange {
  /** The behaviour that answered it (undefined for unknown paths). */
  behaviour?: Behaviour;
  /**
   * The usage the fake reported (chat completions and responses that succeeded), in one shape for both routes:
   * for Responses, prompt_tokens = input_tokens, completion_tokens = output_tokens.
   */
  sentUsage?: SentUsage;
}

type SentUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  cache_write_tokens?: number;
};

export interface FakeOpenAI extends FakeUpstream<RecordedRequest, Behaviour> {
  /** Base URL with `/v1`, e.g. `http://127.0.0.1:PORT/v1`: what a client or a vmx connection uses. */
  url: string;
}

export interface FakeOpenAIOptions extends FakeUpstreamOptions<RecordedRequest, Behaviour> {
  /** Ids listed by `GET /v1/models` (default `['fake-model']`). */
  models?: string[];
}

/** The fake's token count for a text: characters / 4, rounded up, at least 1. */
export function fakeTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** The fake's prompt_tokens for a request: {@link fakeTokens} of all message contents joined. */
export function fakePromptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 1;
  return fakeTokens(messages.map((m) => contentText(m?.content)).join(''));
}

/** The fake's input_tokens for a Responses request: {@link fakeTokens} of the instructions and all input text joined. */
export function fakeResponsesInputTokens(body: { instructions?: unknown; input?: unknown }): number {
  return fakeTokens(responsesInputText(body));
}

export { responsesReplyText as fakeResponsesReplyText };

/** The text the default reply sends for a chat request. */
export function fakeReplyText(request: { model?: unknown; messages?: unknown }): string {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  const last = messages[messages.length - 1];
  if (last?.role === 'tool') return `Tool result received: ${contentText(last.content)}`;
  return `Hello from fake model ${typeof request.model === 'string' ? request.model : 'fake-model'}`;
}

const ERROR_KINDS: Record<number, [type: string, code: string]> = {
  400: ['invalid_request_error', 'invalid_request'],
  401: ['authentication_error', 'invalid_api_key'],
  403: ['permission_error', 'permission_denied'],
  404: ['not_found_error', 'model_not_found'],
  408: ['timeout_error', 'timeout'],
  409: ['conflict_error', 'conflict'],
  422: ['invalid_request_error', 'unprocessable_entity'],
  429: ['rate_limit_error', 'rate_limit_exceeded'],
};

export function openAIError(status: number, message = `fake upstream error ${status}`) {
  const [type, code] =
    ERROR_KINDS[status] ?? (status >= 500 ? ['server_error', 'server_error'] : ['invalid_request_error', 'error']);
  return { error: { message, type, code, param: null } };
}

type Route = 'chat' | 'responses' | 'models';
type X = Exchange<RecordedRequest>;

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const models = options.models ?? ['fake-model'];
  const upstream = await startFakeUpstream<RecordedRequest, Behaviour, Route>(options, {
    name: 'fake-openai',
    defaultBehaviour: { kind: 'reply' },
    route(method, pathname) {
      if (method === 'POST' && pathname === '/v1/chat/completions') return 'chat';
      if (method === 'POST' && pathname === '/v1/responses') return 'responses';
      if (method === 'GET' && pathname === '/v1/models') return 'models';
      return undefined;
    },
    describe: () => ({}),
    notFound: (x) => json(x.res, 404, openAIError(404, `Unknown request URL: ${x.entry.method} ${x.entry.path}`)),
    answer,
  });

  async function answer(x: X, route: Route, behaviour: Behaviour): Promise<void> {
    const { res } = x;
    if (behaviour.kind === 'error')
      return json(res, behaviour.status, behaviour.body ?? openAIError(behaviour.status), behaviour.headers);
    if (route === 'models') {
      const created = Math.floor(Date.now() / 1000);
      return json(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created, owned_by: 'fake' })),
      });
    }
    const body = x.entry.json ?? {};
    if (route === 'responses') return answerResponses(x, body, behaviour);
    if (typeof body !== 'object' || !Array.isArray(body.messages)) {
      return json(
        res,
        400,
        openAIError(400, "We could not parse the JSON body of your request, or 'messages' is missing."),
      );
    }
    const completion = completionOf(x, body, behaviour, route);
    if (body.stream === true) return streamCompletion(x, body, behaviour, completion);
    x.entry.sentUsage = completion.usage;
    const message =
      completion.toolCall === undefined
        ? { role: 'assistant', content: completion.text, refusal: null, annotations: [] }
        : { role: 'assistant', content: null, refusal: null, annotations: [], tool_calls: [completion.toolCall] };
    json(
      res,
      200,
      {
        id: completion.id,
        object: 'chat.completion',
        created: completion.created,
        model: completion.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: completion.toolCall ? 'tool_calls' : 'stop' }],
        usage: usageJson(completion.usage),
        service_tier: 'default',
        system_fingerprint: 'fp_fake',
      },
      completion.headers,
    );
  }

  const { port } = upstream;
  return { ...upstream, url: `http://127.0.0.1:${port}/v1` };
}

async function answerResponses(x: X, body: any, behaviour: Behaviour): Promise<void> {
  const invalid = responsesBodyError(body);
  if (invalid) return json(x.res, 400, invalid);
  const c = completionOf(x, body, behaviour, 'responses');
  const turn: ResponsesTurn = {
    n: x.id,
    created: c.created,
    model: c.model,
    text: c.text,
    toolCall: c.toolCall && {
      callId: c.toolCall.id,
      name: c.toolCall.function.name,
      arguments: c.toolCall.function.arguments,
    },
    usage: c.usage,
  };
  if (body.stream === true)
    return streamEvents(x, behaviour, c, responseStreamEvents(body, turn, streamPieces(behaviour, c)));
  x.entry.sentUsage = c.usage;
  json(x.res, 200, responseJson(body, turn, 'completed'), c.headers);
}

type Completion = ReturnType<typeof completionOf>;

function completionOf(x: X, body: any, behaviour: Behaviour, route: 'chat' | 'responses') {
  const b = behaviour as Extract<Behaviour, { kind: 'reply' | 'tool-call' | 'stream-then-fail' }>;
  const toolCall =
    b.kind === 'tool-call'
      ? { id: `call_fake_${x.id}`, type: 'function' as const, function: { name: b.name, arguments: b.arguments } }
      : undefined;
  const text =
    b.kind === 'reply' && b.text !== undefined
      ? b.text
      : route === 'chat'
        ? fakeReplyText(body)
        : responsesReplyText(body);
  const given = b.kind === 'stream-then-fail' ? undefined : b.usage;
  const prompt =
    given?.prompt_tokens ?? (route === 'chat' ? fakePromptTokens(body.messages) : fakeResponsesInputTokens(body));
  const completionTokens = given?.completion_tokens ?? fakeTokens(b.kind === 'tool-call' ? b.name + b.arguments : text);
  return {
    id: `chatcmpl-fake-${x.id}`,
    created: Math.floor(Date.now() / 1000),
    model:
      (b.kind !== 'stream-then-fail' ? b.model : undefined) ??
      (typeof body.model === 'string' ? body.model : 'fake-model'),
    text,
    toolCall,
    headers: b.kind === 'stream-then-fail' ? undefined : b.headers,
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      cached_tokens: given?.cached_tokens ?? 0,
      ...(given?.cache_write_tokens !== undefined && { cache_write_tokens: given.cache_write_tokens }),
    },
  };
}

function streamCompletion(x: X, body: any, behaviour: Behaviour, c: Completion): Promise<void> {
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], usage?: unknown) =>
    `data: ${JSON.stringify({
      id: c.id,
      object: 'chat.completion.chunk',
      created: c.created,
      model: c.model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
      choices,
      // The real API sends `usage: null` on every chunk but the last when usage was asked for.
      ...(includeUsage ? { usage: usage ?? null } : {}),
    })}\n\n`;
  const delta = (d: unknown, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

  const events: string[] = [];
  const pieces = streamPieces(behaviour, c);
  if (c.toolCall) {
    const { id, type, function: fn } = c.toolCall;
    events.push(
      delta({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id, type, function: { name: fn.name, arguments: '' } }],
        refusal: null,
      }),
    );
    for (const piece of pieces) events.push(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  } else {
    events.push(delta({ role: 'assistant', content: '', refusal: null }));
    for (const piece of pieces) events.push(delta({ content: piece }));
  }
  events.push(delta({}, c.toolCall ? 'tool_calls' : 'stop'));
  if (includeUsage) events.push(chunk([], usageJson(c.usage)));
  events.push('data: [DONE]\n\n');
  return streamEvents(x, behaviour, c, events);
}

/** The deltas of a streamed answer: the tool call's arguments in (up to) 4 pieces, or the text by word or in `chunks` pieces. */
function streamPieces(behaviour: Behaviour, c: Completion): string[] {
  if (c.toolCall) return split(c.toolCall.function.arguments, Math.min(4, c.toolCall.function.arguments.length));
  const pieces =
    behaviour.kind === 'reply' && behaviour.chunks ? split(c.text, behaviour.chunks) : c.text.split(/(?<= )/);
  if (behaviour.kind === 'stream-then-fail') while (pieces.length < behaviour.afterChunks) pieces.push(' more');
  return pieces;
}

/** Sends the SSE events of a stream (at once, or `chunkDelayMs` apart), or only the first `afterChunks` for `stream-then-fail`. */
function streamEvents(x: X, b: Behaviour, c: Completion, events: string[]): Promise<void> {
  const headers = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': `req_fake_${x.id}`,
    ...c.headers,
  };
  if (b.kind === 'stream-then-fail') return sendStream(x, headers, events, { failAfter: b.afterChunks });
  const pauseMs = b.kind === 'reply' ? b.chunkDelayMs : undefined;
  const dropLast = b.kind === 'reply' ? b.dropLast : undefined;
  return sendStream(x, headers, events, { pauseMs, dropLast, onComplete: () => (x.entry.sentUsage = c.usage) });
}

function usageJson(u: SentUsage) {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.total_tokens,
    prompt_tokens_details: {
      cached_tokens: u.cached_tokens,
      audio_tokens: 0,
      ...(u.cache_write_tokens !== undefined && { cache_write_tokens: u.cache_write_tokens }),
    },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Every JSON answer carries `x-request-id: req_fake` unless the behaviour's headers say otherwise. */
function json(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendJson(res, status, body, { 'x-request-id': 'req_fake', ...headers });
}
