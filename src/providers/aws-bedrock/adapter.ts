import type {
  BedrockRuntimeClient,
  ConverseCommandInput,
  ConverseStreamCommandInput,
} from '@aws-sdk/client-bedrock-runtime';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { abortSignalOf } from '../cancel.js';
import { connectionTimeouts } from '../connection-config.js';
import { bufferedResponse } from '../http/fetch-response.js';
import { wentSilent, withIdleGap } from '../http/silence.js';
import type { WireEvent } from '../pivot.js';
import type { AdapterDeps } from '../provider.js';
import type { Dialect } from '../dialects/index.js';
import type { ConnectionTarget, NativeCall, ProviderAdapter, UpstreamResponse } from '../types.js';
import { UpstreamUnavailable } from '../types.js';
import type { BedrockSettings } from './settings.js';

/**
 * The AWS SDK loads when a connection of this provider is configured (`prepare`) or first called, not
 * when the adapter is made: a daemon without Bedrock connections never holds it (~7 MB), and no CLI
 * verb that reads the registry pays for it.
 */
async function loadSdk() {
  // Node 20 is supported by this SDK release; its end-of-support notice would print on every daemon start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [runtime, { NodeHttpHandler }] = await Promise.all([
    import('@aws-sdk/client-bedrock-runtime'),
    import('@smithy/node-http-handler'),
  ]);
  return { ...runtime, NodeHttpHandler };
}
type Sdk = Awaited<ReturnType<typeof loadSdk>>;

/** Claude on Bedrock takes the Anthropic Messages body through InvokeModel. */
export const isClaudeModel = (model: string) => /(^|[.:/])anthropic\.claude|claude-/i.test(model);
const ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/**
 * AWS Bedrock through `@aws-sdk/client-bedrock-runtime`. Messages requests for Claude models go out
 * verbatim through InvokeModel(-WithResponseStream) (minus `model`, plus `anthropic_version`) and come
 * back as Anthropic JSON/SSE; everything else uses Converse(-Stream), whose events the SDK has
 * already parsed. Credentials: stored access keys, else the named profile, else the AWS default chain.
 * The HTTP/1.1 handler is used (the SDK's default HTTP/2 handler is only needed for bidirectional
 * streams, and HTTP/1.1 lets an endpoint override point at any local server).
 *
 * Timeouts: connect and first byte (a timer smithy clears when the headers arrive) as configured.
 * The idle gap: inside a stream it is exact (the SDK's event stream is read through `withIdleGap`,
 * which aborts the request); the SDK reads a non-stream body inside `send`, where only the socket's
 * inactivity timeout reaches, and that one cannot tell waiting for the headers from a silent body,
 * so there it is the larger of first byte and idle gap. Sockets are unbounded (no head-of-line
 * blocking behind hanging requests) and kept alive.
 */
export function bedrockAdapter({ settings }: AdapterDeps<BedrockSettings>): ProviderAdapter {
  let loading: Promise<Sdk> | undefined;
  const load = () => (loading ??= loadSdk());
  const clients = new Map<string, { version: string; client: BedrockRuntimeClient; idleMs: number; sdk: Sdk }>();
  const clientFor = async (target: ConnectionTarget) => {
    const cached = clients.get(target.id);
    if (cached?.version === target.version) return cached;
    const sdk = await load();
    const config = settings(target);
    // Looked up again: another call may have made the client while this one waited for the SDK.
    const current = clients.get(target.id);
    if (current?.version === target.version) return current;
    current?.client.destroy();
    const { accessKeyId, secretAccessKey } = target.secret;
    const timeouts = connectionTimeouts(config);
    const client = new sdk.BedrockRuntimeClient({
      region: config.region,
      ...(config.baseUrl ? { endpoint: config.baseUrl } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
      ...(config.profile && !accessKeyId ? { profile: config.profile } : {}),
      maxAttempts: 1,
      requestHandler: new sdk.NodeHttpHandler({
        connectionTimeout: timeouts.connectMs,
        requestTimeout: timeouts.firstByteMs,
        // Without it smithy only logs a warning when requestTimeout passes and keeps waiting.
        throwOnRequestTimeout: true,
        socketTimeout: Math.max(timeouts.firstByteMs, timeouts.idleMs),
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: Infinity }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: Infinity }),
      }),
    });
    addHeaders(client, target.headers);
    const entry = { version: target.version, client, idleMs: timeouts.idleMs, sdk };
    clients.set(target.id, entry);
    return entry;
  };

  return {
    dialectFor: (inbound: Dialect, model: string) =>
      inbound === 'anthropic-messages' && isClaudeModel(model) ? 'anthropic-messages' : 'bedrock-converse',
    prepare: () => void load().catch(() => undefined),
    async send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse> {
      const { client, idleMs, sdk } = await clientFor(target);
      // A stream's own abort switch, so that a silent stream can be given up (the socket released).
      const silent = call.stream ? new AbortController() : undefined;
      const signal = abortSignalOf(call.signal);
      const watched: Watched = {
        ...call,
        signal: silent ? AbortSignal.any([signal, silent.signal]) : signal,
        watch: (source) =>
          withIdleGap(source ?? (async function* () {})(), idleMs, () => {
            silent?.abort();
            return wentSilent(target, idleMs);
          }),
      };
      try {
        if (call.dialect === 'anthropic-messages') return await invoke(sdk, client, watched);
        return await converse(sdk, client, watched);
      } catch (error) {
        if (error instanceof sdk.BedrockRuntimeServiceException) {
          return bufferedResponse(
            error.$metadata.httpStatusCode ?? 500,
            JSON.stringify({ message: error.message, type: error.name }),
          );
        }
        throw networkFailure(error, target);
      }
    },
  };
}

/** A call whose stream is read through the idle-gap watchdog. */
interface Watched extends Omit<NativeCall, 'signal'> {
  signal: AbortSignal;
  watch<T>(source: AsyncIterable<T> | undefined): AsyncIterable<T>;
}

/** The connection's extra headers (`--header`) on every request, added before SigV4 signs it. */
function addHeaders(client: BedrockRuntimeClient, headers: Record<string, string>): void {
  if (Object.keys(headers).length === 0) return;
  client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) Object.assign(request.headers, headers);
      return next(args);
    },
    { step: 'build', name: 'vmxExtraHeaders' },
  );
}

async function invoke(sdk: Sdk, client: BedrockRuntimeClient, call: Watched): Promise<UpstreamResponse> {
  const { model, ...rest } = call.body;
  const body = new TextEncoder().encode(
    JSON.stringify({ anthropic_version: ANTHROPIC_VERSION, ...rest, stream: undefined }),
  );
  const modelId = String(model);
  if (!call.stream) {
    const output = await client.send(
      new sdk.InvokeModelCommand({ modelId, body, contentType: 'application/json', accept: 'application/json' }),
      {
        abortSignal: call.signal,
      },
    );
    return bufferedResponse(200, new TextDecoder().decode(output.body));
  }
  const output = await client.send(
    new sdk.InvokeModelWithResponseStreamCommand({
      modelId,
      body,
      contentType: 'application/json',
      accept: 'application/json',
    }),
    { abortSignal: call.signal },
  );
  // Each chunk holds one Anthropic stream event as JSON: re-framed as the SSE an Anthropic client expects.
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  async function* sse(): AsyncGenerator<Uint8Array> {
    for await (const part of call.watch(output.body)) {
      if (part.chunk?.bytes) {
        const json = decoder.decode(part.chunk.bytes);
        const type = (JSON.parse(json) as { type?: string }).type ?? 'message';
        yield encoder.encode(`event: ${type}\ndata: ${json}\n\n`);
      } else {
        const failure = Object.entries(part).find(([, value]) => value !== undefined);
        throw new Error(
          failure ? `${failure[0]}: ${(failure[1] as { message?: string }).message ?? ''}` : 'empty stream event',
        );
      }
    }
  }
  return streamResponse(sse(), 'text/event-stream');
}

async function converse(sdk: Sdk, client: BedrockRuntimeClient, call: Watched): Promise<UpstreamResponse> {
  if (!call.stream) {
    const { $metadata: _metadata, ...output } = await client.send(
      new sdk.ConverseCommand(call.body as unknown as ConverseCommandInput),
      {
        abortSignal: call.signal,
      },
    );
    return bufferedResponse(200, JSON.stringify(output));
  }
  const output = await client.send(new sdk.ConverseStreamCommand(call.body as unknown as ConverseStreamCommandInput), {
    abortSignal: call.signal,
  });
  async function* events(): AsyncGenerator<WireEvent> {
    for await (const event of call.watch(output.stream)) {
      const [name, data] = Object.entries(event).find(([, value]) => value !== undefined) ?? [];
      if (!name) continue;
      if (name.endsWith('Exception')) throw new Error(`${name}: ${(data as { message?: string }).message ?? ''}`);
      yield { event: name, data };
    }
  }
  const response = streamResponse((async function* () {})(), 'application/vnd.amazon.eventstream');
  return { ...response, events: events() };
}

function streamResponse(chunks: AsyncIterable<Uint8Array>, contentType: string): UpstreamResponse {
  return {
    status: 200,
    headers: { 'content-type': contentType },
    body: {
      [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](),
      text: async () => {
        let text = '';
        const decoder = new TextDecoder();
        for await (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
        return text;
      },
      destroy: () => undefined,
    },
  };
}

function networkFailure(error: unknown, target: ConnectionTarget): unknown {
  const name = (error as Error)?.name;
  if (name === 'AbortError') return error;
  if (name === 'TimeoutError' || /timeout/i.test((error as Error)?.message ?? '')) {
    return new UpstreamUnavailable(`${target.name} sent no answer in time`, 504);
  }
  return new UpstreamUnavailable(`cannot reach ${target.name} (${(error as Error)?.message ?? 'unknown error'})`, 502);
}
