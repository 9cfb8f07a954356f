import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { responseJson, responseStreamEvents, responsesBodyError, responsesInputText, responsesReplyText, type ResponsesTurn } from './fake-openai-responses.js';

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
    }
  | { kind: 'tool-call'; name: string; arguments: string; usage?: FakeUsage; model?: string; headers?: Record<string, string> }
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

export interface RecordedRequest {
  method: string;
  /** Path with the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  json: any;
  /** When the request's headers arrived (Date.now()). */
  receivedAt: number;
  /** When the fake finished writing its answer. */
  finishedAt?: number;
  /** When the exchange ended: after the answer, or when the connection dropped (client abort, `close`, `stream-then-fail`). */
  closedAt?: number;
  /** True when the client went away before the fake had finished answering (a hang the client gave up on, an aborted stream…). */
  aborted: boolean;
  /** The behaviour that answered it (undefined for unknown paths). */
  behaviour?: Behaviour;
  /**
   * The usage the fake reported (chat completions and responses that succeeded), in one shape for both routes:
   * for Responses, prompt_tokens = input_tokens, completion_tokens = output_tokens.
   */
  sentUsage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; cached_tokens: number };
  /** Resolves when `closedAt` is set. */
  closed: Promise<void>;
}

export interface FakeOpenAI {
  /** Base URL with `/v1`, e.g. `http://127.0.0.1:PORT/v1`: what a client or a vmx connection uses. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Queues behaviours for the next requests to a known route (FIFO); when the queue is empty the default applies. */
  enqueue(...behaviours: Behaviour[]): void;
  setDefault(behaviour: Behaviour): void;
  /** Resolves with `requests[index]` once it has arrived (default: the next request). */
  waitForRequest(index?: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Clears requests and queue, restores the default. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  port?: number;
  /** Ids listed by `GET /v1/models` (default `['fake-model']`). */
  models?: string[];
  /** Keep a record of every request (default true; the benchmark turns it off). */
  record?: boolean;
  /**
   * Picks the behaviour from the request itself (its body, its model…), before the queue and the default;
   * undefined falls through to them. For concurrent tests, where FIFO order says nothing about which request gets what.
   */
  choose?: (request: RecordedRequest) => Behaviour | undefined;
}

const DEFAULT: Behaviour = { kind: 'reply' };

/** The fake's token count for a text: characters / 4, rounded up, at least 1. */
export function fakeTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** The text of a message's content (string or parts); other parts are ignored. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
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
  const [type, code] = ERROR_KINDS[status] ?? (status >= 500 ? ['server_error', 'server_error'] : ['invalid_request_error', 'error']);
  return { error: { message, type, code, param: null } };
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const record = options.record ?? true;
  const models = options.models ?? ['fake-model'];
  const requests: RecordedRequest[] = [];
  let queue: Behaviour[] = [];
  let fallback: Behaviour = DEFAULT;
  let counter = 0;
  const waiters: Array<{ index: number; resolve: (r: RecordedRequest) => void }> = [];

  const server = createServer((req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let json: any;
      try {
        json = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        json = undefined;
      }
      const path = req.url ?? '/';
      const route = routeOf(req.method, path);
      let markClosed!: () => void;
      const entry: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        rawBody,
        json,
        receivedAt,
        aborted: false,
        behaviour: undefined,
        closed: new Promise<void>((resolve) => (markClosed = resolve)),
      };
      const behaviour = route ? (options.choose?.(entry) ?? queue.shift() ?? fallback) : undefined;
      entry.behaviour = behaviour;
      const exchange = { req, res, entry, destroyedByUs: false, id: ++counter };
      res.on('close', () => {
        entry.closedAt = Date.now();
        entry.aborted = !res.writableFinished && !exchange.destroyedByUs;
        markClosed();
      });
      res.on('finish', () => (entry.finishedAt = Date.now()));
      if (record) {
        requests.push(entry);
        for (const w of waiters.splice(0)) {
          if (requests[w.index]) w.resolve(requests[w.index]!);
          else waiters.push(w);
        }
      }
      if (!route) return sendJson(res, 404, openAIError(404, `Unknown request URL: ${req.method} ${path}`));
      void answer(exchange, route, behaviour!);
    });
  });

  type Route = 'chat' | 'responses' | 'models';

  function routeOf(method: string | undefined, path: string): Route | undefined {
    const pathname = path.split('?', 1)[0];
    if (method === 'POST' && pathname === '/v1/chat/completions') return 'chat';
    if (method === 'POST' && pathname === '/v1/responses') return 'responses';
    if (method === 'GET' && pathname === '/v1/models') return 'models';
    return undefined;
  }

  type Exchange = { req: IncomingMessage; res: ServerResponse; entry: RecordedRequest; destroyedByUs: boolean; id: number };

  async function answer(x: Exchange, route: Route, behaviour: Behaviour): Promise<void> {
    const { res } = x;
    switch (behaviour.kind) {
      case 'delay':
        await sleep(behaviour.ms);
        if (res.destroyed) return;
        return answer(x, route, behaviour.then);
      case 'hang':
        return;
      case 'close':
        x.destroyedByUs = true;
        x.req.socket.destroy();
        return;
      case 'error':
        return sendJson(res, behaviour.status, behaviour.body ?? openAIError(behaviour.status), behaviour.headers);
    }
    if (route === 'models') {
      const created = Math.floor(Date.now() / 1000);
      return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: 'fake' })) });
    }
    const body = x.entry.json ?? {};
    if (route === 'responses') return answerResponses(x, body, behaviour);
    if (typeof body !== 'object' || !Array.isArray(body.messages)) {
      return sendJson(res, 400, openAIError(400, "We could not parse the JSON body of your request, or 'messages' is missing."));
    }
    const completion = completionOf(x, body, behaviour, route);
    if (body.stream === true) return streamCompletion(x, body, behaviour, completion);
    x.entry.sentUsage = completion.usage;
    const message =
      completion.toolCall === undefined
        ? { role: 'assistant', content: completion.text, refusal: null, annotations: [] }
        : { role: 'assistant', content: null, refusal: null, annotations: [], tool_calls: [completion.toolCall] };
    sendJson(
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

  async function answerResponses(x: Exchange, body: any, behaviour: Behaviour): Promise<void> {
    const invalid = responsesBodyError(body);
    if (invalid) return sendJson(x.res, 400, invalid);
    const c = completionOf(x, body, behaviour, 'responses');
    const turn: ResponsesTurn = {
      n: x.id,
      created: c.created,
      model: c.model,
      text: c.text,
      toolCall: c.toolCall && { callId: c.toolCall.id, name: c.toolCall.function.name, arguments: c.toolCall.function.arguments },
      usage: c.usage,
    };
    if (body.stream === true) return sendStream(x, behaviour, c, responseStreamEvents(body, turn, streamPieces(behaviour, c)));
    x.entry.sentUsage = c.usage;
    sendJson(x.res, 200, responseJson(body, turn, 'completed'), c.headers);
  }

  function completionOf(x: Exchange, body: any, behaviour: Behaviour, route: 'chat' | 'responses') {
    const b = behaviour as Extract<Behaviour, { kind: 'reply' | 'tool-call' | 'stream-then-fail' }>;
    const toolCall =
      b.kind === 'tool-call'
        ? { id: `call_fake_${x.id}`, type: 'function' as const, function: { name: b.name, arguments: b.arguments } }
        : undefined;
    const text = b.kind === 'reply' && b.text !== undefined ? b.text : route === 'chat' ? fakeReplyText(body) : responsesReplyText(body);
    const given = b.kind === 'stream-then-fail' ? undefined : b.usage;
    const prompt = given?.prompt_tokens ?? (route === 'chat' ? fakePromptTokens(body.messages) : fakeResponsesInputTokens(body));
    const completionTokens = given?.completion_tokens ?? fakeTokens(b.kind === 'tool-call' ? b.name + b.arguments : text);
    return {
      id: `chatcmpl-fake-${x.id}`,
      created: Math.floor(Date.now() / 1000),
      model: (b.kind !== 'stream-then-fail' ? b.model : undefined) ?? (typeof body.model === 'string' ? body.model : 'fake-model'),
      text,
      toolCall,
      headers: b.kind === 'stream-then-fail' ? undefined : b.headers,
      usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens, cached_tokens: given?.cached_tokens ?? 0 },
    };
  }

  async function streamCompletion(x: Exchange, body: any, behaviour: Behaviour, c: ReturnType<typeof completionOf>): Promise<void> {
    const { res } = x;
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
    const delta = (d: unknown, finish: string | null = null) => chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

    const events: string[] = [];
    const pieces = streamPieces(behaviour, c);
    if (c.toolCall) {
      const { id, type, function: fn } = c.toolCall;
      events.push(delta({ role: 'assistant', content: null, tool_calls: [{ index: 0, id, type, function: { name: fn.name, arguments: '' } }], refusal: null }));
      for (const piece of pieces) events.push(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    } else {
      events.push(delta({ role: 'assistant', content: '', refusal: null }));
      for (const piece of pieces) events.push(delta({ content: piece }));
    }
    events.push(delta({}, c.toolCall ? 'tool_calls' : 'stop'));
    if (includeUsage) events.push(chunk([], usageJson(c.usage)));
    events.push('data: [DONE]\n\n');
    return sendStream(x, behaviour, c, events);
  }

  /** The deltas of a streamed answer: the tool call's arguments in (up to) 4 pieces, or the text by word or in `chunks` pieces. */
  function streamPieces(behaviour: Behaviour, c: ReturnType<typeof completionOf>): string[] {
    if (c.toolCall) return split(c.toolCall.function.arguments, Math.min(4, c.toolCall.function.arguments.length));
    const pieces = behaviour.kind === 'reply' && behaviour.chunks ? split(c.text, behaviour.chunks) : c.text.split(/(?<= )/);
    if (behaviour.kind === 'stream-then-fail') while (pieces.length < behaviour.afterChunks) pieces.push(' more');
    return pieces;
  }

  /** Sends the SSE events of a stream (at once, or `chunkDelayMs` apart), or only the first `afterChunks` for `stream-then-fail`. */
  async function sendStream(x: Exchange, b: Behaviour, c: ReturnType<typeof completionOf>, events: string[]): Promise<void> {
    const { res } = x;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': `req_fake_${x.id}`, ...c.headers });
    res.flushHeaders();
    if (b.kind === 'stream-then-fail') {
      const sent = events.slice(0, b.afterChunks).join('');
      await new Promise<void>((resolve) => (sent ? res.write(sent, () => resolve()) : resolve()));
      await new Promise((resolve) => setImmediate(resolve));
      x.destroyedByUs = true;
      x.req.socket.destroy();
      return;
    }
    x.entry.sentUsage = c.usage;
    const pause = b.kind === 'reply' ? (b.chunkDelayMs ?? 0) : 0;
    if (pause === 0) {
      res.end(events.join(''));
      return;
    }
    for (const event of events) {
      if (res.destroyed) return;
      res.write(event);
      await sleep(pause);
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.keepAliveTimeout = 30_000;
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    enqueue: (...behaviours) => void queue.push(...behaviours),
    setDefault: (behaviour) => void (fallback = behaviour),
    waitForRequest(index = requests.length, timeoutMs = 5_000) {
      if (requests[index]) return Promise.resolve(requests[index]);
      return new Promise<RecordedRequest>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake-openai: request #${index} did not arrive within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ index, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    reset() {
      requests.length = 0;
      queue = [];
      fallback = DEFAULT;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function usageJson(u: { prompt_tokens: number; completion_tokens: number; total_tokens: number; cached_tokens: number }) {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.total_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_tokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': 'req_fake', ...headers });
  res.end(text);
}

/** Splits text into `n` pieces of near-equal length (at least one piece, possibly empty). */
function split(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(n, text.length || 1));
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) pieces.push(text.slice(i * size, (i + 1) * size));
  return pieces;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
