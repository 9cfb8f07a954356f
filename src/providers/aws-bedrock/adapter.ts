// Node 20 is supported by this SDK release; its end-of-support notice would print on every daemon start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import {
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type ConverseCommandInput,
  type ConverseStreamCommandInput,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_FIRST_BYTE_TIMEOUT_MS } from '../http/upstream-client.js';
import { bufferedResponse } from '../http/fetch-response.js';
import type { WireEvent } from '../pivot.js';
import type { Dialect } from '../registry.js';
import type { ConnectionTarget, NativeCall, ProviderAdapter, UpstreamResponse } from '../types.js';
import { UpstreamUnavailable } from '../types.js';

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
 */
export function bedrockAdapter(): ProviderAdapter {
  const clients = new Map<string, { version: string; client: BedrockRuntimeClient }>();
  const clientFor = (target: ConnectionTarget): BedrockRuntimeClient => {
    const cached = clients.get(target.id);
    if (cached?.version === target.version) return cached.client;
    cached?.client.destroy();
    const { accessKeyId, secretAccessKey } = target.secret;
    const client = new BedrockRuntimeClient({
      region: target.config.region as string,
      ...(target.config.baseUrl ? { endpoint: target.config.baseUrl as string } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
      ...(target.config.profile && !accessKeyId ? { profile: target.config.profile as string } : {}),
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: Number(target.config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
        requestTimeout: Number(target.config.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS),
      }),
    });
    clients.set(target.id, { version: target.version, client });
    return client;
  };

  return {
    dialectFor: (inbound: Dialect, model: string) =>
      inbound === 'anthropic-messages' && isClaudeModel(model) ? 'anthropic-messages' : 'bedrock-converse',
    async send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse> {
      const client = clientFor(target);
      try {
        if (call.dialect === 'anthropic-messages') return await invoke(client, call);
        return await converse(client, call);
      } catch (error) {
        if (error instanceof BedrockRuntimeServiceException) {
          return bufferedResponse(error.$metadata.httpStatusCode ?? 500, JSON.stringify({ message: error.message, type: error.name }));
        }
        throw networkFailure(error, target);
      }
    },
  };
}

async function invoke(client: BedrockRuntimeClient, call: NativeCall): Promise<UpstreamResponse> {
  const { model, ...rest } = call.body;
  const body = new TextEncoder().encode(JSON.stringify({ anthropic_version: ANTHROPIC_VERSION, ...rest, stream: undefined }));
  const modelId = String(model);
  if (!call.stream) {
    const output = await client.send(new InvokeModelCommand({ modelId, body, contentType: 'application/json', accept: 'application/json' }), {
      abortSignal: call.signal,
    });
    return bufferedResponse(200, new TextDecoder().decode(output.body));
  }
  const output = await client.send(
    new InvokeModelWithResponseStreamCommand({ modelId, body, contentType: 'application/json', accept: 'application/json' }),
    { abortSignal: call.signal },
  );
  // Each chunk holds one Anthropic stream event as JSON: re-framed as the SSE an Anthropic client expects.
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  async function* sse(): AsyncGenerator<Uint8Array> {
    for await (const part of output.body ?? []) {
      if (part.chunk?.bytes) {
        const json = decoder.decode(part.chunk.bytes);
        const type = (JSON.parse(json) as { type?: string }).type ?? 'message';
        yield encoder.encode(`event: ${type}\ndata: ${json}\n\n`);
      } else {
        const failure = Object.entries(part).find(([, value]) => value !== undefined);
        throw new Error(failure ? `${failure[0]}: ${(failure[1] as { message?: string }).message ?? ''}` : 'empty stream event');
      }
    }
  }
  return streamResponse(sse(), 'text/event-stream');
}

async function converse(client: BedrockRuntimeClient, call: NativeCall): Promise<UpstreamResponse> {
  if (!call.stream) {
    const { $metadata: _metadata, ...output } = await client.send(new ConverseCommand(call.body as unknown as ConverseCommandInput), {
      abortSignal: call.signal,
    });
    return bufferedResponse(200, JSON.stringify(output));
  }
  const output = await client.send(new ConverseStreamCommand(call.body as unknown as ConverseStreamCommandInput), { abortSignal: call.signal });
  async function* events(): AsyncGenerator<WireEvent> {
    for await (const event of output.stream ?? []) {
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
