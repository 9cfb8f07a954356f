import {
  anthropicMessage,
  anthropicStreamEvents,
  fakeReplyText,
  planReply,
  promptText,
  type Behaviour,
  type Plan,
  type SentUsage,
} from './fake-anthropic-wire.js';
import {
  awsErrorHeaders,
  awsErrorType,
  chunkFrame,
  conversePromptText,
  converseReplyText,
  converseOutput,
  converseStreamEvents,
  eventFrame,
  exceptionFrame,
} from './fake-bedrock-frames.js';
import { sendJson, sendStream, startFakeUpstream } from './fake-upstream.js';
import type { Exchange, FakeUpstream, FakeUpstreamOptions, RecordedExchange } from './fake-upstream.js';

/**
 * A fake Amazon Bedrock Runtime upstream at the network edge, speaking the real REST-JSON and AWS event-stream
 * wire formats so `@aws-sdk/client-bedrock-runtime`, and vmx's adapters, parse it as they would the real service.
 *
 * It is a plain HTTP/1.1 `node:http` server. The Bedrock client's DEFAULT request handler speaks HTTP/2 (h2c with
 * prior knowledge) to `http://` endpoints, which an HTTP/1.1 server rejects (`Protocol error`), so clients must
 * be built with `requestHandler: new NodeHttpHandler()` from `@smithy/node-http-handler`:
 * `new BedrockRuntimeClient({ endpoint: fake.url, region, credentials, requestHandler: new NodeHttpHandler() })`.
 *
 * Routes (model ids arrive percent-encoded and are recorded decoded):
 * - `POST /model/{modelId}/converse`: Converse JSON;
 * - `POST /model/{modelId}/converse-stream`: ConverseStream event frames;
 * - `POST /model/{modelId}/invoke`: an Anthropic Messages body in (with `anthropic_version`, without `model` and
 *   `stream`, else 400 ValidationException as the real service), an Anthropic `message` out;
 * - `POST /model/{modelId}/invoke-with-response-stream`: the same body; `chunk` frames each carrying one Anthropic
 *   stream event (no `ping`), base64 in `bytes`; `message_stop` carries `amazon-bedrock-invocationMetrics`.
 * Authentication: a SigV4 `authorization` (`AWS4-HMAC-SHA256 Credential=<access key id>/…`, not verified) or
 * `authorization: Bearer <Bedrock API key>`; without either, 403 MissingAuthenticationTokenException.
 */

export type { AnthropicUsage, Behaviour, SentUsage } from './fake-anthropic-wire.js';
export { fakeTokens } from './fake-anthropic-wire.js';
export { awsErrorType, conversePromptText } from './fake-bedrock-frames.js';

export type BedrockOperation = 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream';

interface Route {
  operation: BedrockOperation;
  /** Decoded, e.g. `anthropic.claude-3-haiku-20240307-v1:0`. */
  modelId: string;
  /** As in the path, e.g. `anthropic.claude-3-haiku-20240307-v1%3A0`. */
  rawModelId: string;
}

export interface RecordedRequest extends RecordedExchange {
  /** undefined for unknown paths. */
  operation?: BedrockOperation;
  modelId?: string;
  rawModelId?: string;
  /** How the client authenticated (undefined: it did not, and got 403). */
  auth?: 'sigv4' | 'bearer';
  /** From the SigV4 credential scope `Credential=<accessKeyId>/<date>/<region>/bedrock/aws4_request`. */
  accessKeyId?: string;
  signingRegion?: string;
  signingService?: string;
  bearerToken?: string;
  /** InvokeModel routes: the body's `anthropic_version`. */
  anthropicVersion?: string;
  /** True for converse-stream and invoke-with-response-stream. */
  stream: boolean;
  /** The behaviour that answered it (undefined for unknown paths and authentication failures). */
  behaviour?: Behaviour;
  /** The usage the fake reported, in Anthropic's names whatever the operation (Converse sends them as inputTokens…). */
  sentUsage?: SentUsage;
}

export interface FakeBedrock extends FakeUpstream<RecordedRequest, Behaviour> {
  /** The endpoint for `BedrockRuntimeClient({ endpoint })`: `http://127.0.0.1:PORT`. */
  url: string;
}

export interface FakeBedrockOptions extends FakeUpstreamOptions<RecordedRequest, Behaviour> {
  /** When set, SigV4 requests signed with another access key id get 403 UnrecognizedClientException. */
  accessKeyId?: string;
}

type X = Exchange<RecordedRequest>;
const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;
const EVENT_STREAM = 'application/vnd.amazon.eventstream';

export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const upstream = await startFakeUpstream<RecordedRequest, Behaviour, Route>(options, {
    name: 'fake-bedrock',
    defaultBehaviour: { kind: 'reply' },
    route(method, pathname) {
      const match = method === 'POST' ? ROUTE.exec(pathname) : null;
      if (!match) return undefined;
      try {
        return {
          operation: match[2] as BedrockOperation,
          modelId: decodeURIComponent(match[1]!),
          rawModelId: match[1]!,
        };
      } catch {
        return undefined;
      }
    },
    describe(req, route, base) {
      const authorization = Array.isArray(req.headers.authorization)
        ? req.headers.authorization[0]
        : req.headers.authorization;
      const sigv4 = authorization?.match(/^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/[^/]+\/([^/]+)\/([^/]+)\//);
      const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
      const invoke = route?.operation.startsWith('invoke');
      return {
        ...route,
        auth: sigv4 ? 'sigv4' : bearer ? 'bearer' : undefined,
        accessKeyId: sigv4?.[1],
        signingRegion: sigv4?.[2],
        signingService: sigv4?.[3],
        bearerToken: bearer,
        anthropicVersion:
          invoke && typeof base.json?.anthropic_version === 'string' ? base.json.anthropic_version : undefined,
        stream: route?.operation.endsWith('stream') ?? false,
      };
    },
    notFound: (x) =>
      awsError(x, 404, 'UnknownOperationException', `Unknown operation: ${x.entry.method} ${x.entry.path}`),
    gate(x) {
      const { auth, accessKeyId } = x.entry;
      if (!auth) return (awsError(x, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'), true);
      if (auth === 'sigv4' && options.accessKeyId !== undefined && accessKeyId !== options.accessKeyId) {
        return (
          awsError(x, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
          true
        );
      }
      return false;
    },
    answer,
  });

  async function answer(x: X, route: Route, behaviour: Behaviour): Promise<void> {
    const { entry } = x;
    if (behaviour.kind === 'error') {
      const type = behaviour.type ?? awsErrorType(behaviour.status);
      const body = behaviour.body ?? { message: behaviour.message ?? `fake upstream error ${behaviour.status}` };
      return sendJson(x.res, behaviour.status, body, { ...awsErrorHeaders(type, requestId(x)), ...behaviour.headers });
    }
    const body = entry.json;
    const converse = route.operation.startsWith('converse');
    const invalid = converse ? validateConverse(body) : validateInvoke(body);
    if (invalid) return awsError(x, 400, 'ValidationException', invalid);
    const plan = planReply(behaviour, {
      messageId: `msg_bdrk_fake_${x.id}`,
      toolUseId: converse ? `tooluse_fake_${x.id}` : `toolu_bdrk_fake_${x.id}`,
      model: route.modelId,
      promptText: converse ? conversePromptText(body) : promptText(body),
      defaultText: converse ? converseReplyText(body, route.modelId) : fakeReplyText(body, route.modelId),
    });
    const latency = () => Math.max(1, Date.now() - entry.receivedAt);
    const headers = { 'x-amzn-requestid': requestId(x), ...plan.headers };
    if (!entry.stream) {
      entry.sentUsage = plan.usage;
      if (converse) return sendJson(x.res, 200, converseOutput(plan, latency()), headers);
      return sendJson(x.res, 200, anthropicMessage(plan), {
        'x-amzn-bedrock-input-token-count': String(plan.usage.input_tokens),
        'x-amzn-bedrock-output-token-count': String(plan.usage.output_tokens),
        'x-amzn-bedrock-invocation-latency': String(latency()),
        ...headers,
      });
    }
    const frames = converse
      ? converseStreamEvents(plan, latency()).map(([type, event]) => eventFrame(type, event))
      : invokeStreamFrames(plan, latency());
    const streamHeaders = {
      'content-type': EVENT_STREAM,
      ...(converse ? {} : { 'x-amzn-bedrock-content-type': 'application/json' }),
      ...headers,
    };
    if (behaviour.kind === 'stream-then-fail')
      return sendStream(x, streamHeaders, frames, { failAfter: behaviour.afterEvents });
    if (behaviour.kind === 'stream-error') {
      const failure = exceptionFrame(
        behaviour.type ?? 'ModelStreamErrorException',
        behaviour.message ?? 'fake stream error',
      );
      return sendStream(x, streamHeaders, [...frames.slice(0, behaviour.afterEvents), failure]);
    }
    return sendStream(x, streamHeaders, frames, {
      pauseMs: plan.chunkDelayMs,
      onComplete: () => (entry.sentUsage = plan.usage),
    });
  }

  const { port } = upstream;
  return { ...upstream, url: `http://127.0.0.1:${port}` };
}

/** The InvokeModelWithResponseStream frames: Anthropic's stream events without `ping`, metrics on `message_stop`. */
function invokeStreamFrames(plan: Plan, latencyMs: number): Uint8Array[] {
  return anthropicStreamEvents(plan, { ping: false }).map((event) =>
    chunkFrame(
      event.type !== 'message_stop'
        ? event
        : {
            ...event,
            'amazon-bedrock-invocationMetrics': {
              inputTokenCount: plan.usage.input_tokens,
              outputTokenCount: plan.usage.output_tokens,
              invocationLatency: latencyMs,
              firstByteLatency: latencyMs,
            },
          },
    ),
  );
}

function validateConverse(body: any): string | undefined {
  if (typeof body !== 'object' || body === null || !Array.isArray(body.messages) || body.messages.length === 0) {
    return "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null";
  }
  return undefined;
}

/** The real service's checks of an Anthropic body (its messages quote the JSON-schema validator). */
function validateInvoke(body: any): string | undefined {
  const malformed = (what: string) => `Malformed input request: #: ${what}, please reformat your input and try again.`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return malformed('expected type: JSONObject');
  for (const key of ['model', 'stream']) if (key in body) return malformed(`extraneous key [${key}] is not permitted`);
  for (const key of ['anthropic_version', 'max_tokens', 'messages'])
    if (!(key in body)) return malformed(`required key [${key}] not found`);
  return undefined;
}

function awsError(x: X, status: number, type: string, message: string): void {
  sendJson(x.res, status, { message }, awsErrorHeaders(type, requestId(x)));
}

function requestId(x: { id: number }): string {
  return `00000000-0000-4000-8000-${String(x.id).padStart(12, '0')}`;
}
