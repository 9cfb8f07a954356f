import Anthropic from '@anthropic-ai/sdk';
import { DEFAULT_FIRST_BYTE_TIMEOUT_MS } from '../http/upstream-client.js';
import { bufferedResponse, fromFetchResponse } from '../http/fetch-response.js';
import type { ConnectionTarget, NativeCall, ProviderAdapter, UpstreamResponse } from '../types.js';
import { UpstreamUnavailable } from '../types.js';

/**
 * Anthropic through the official `@anthropic-ai/sdk` (base URL override for proxies and tests). The
 * Messages body is sent as the client wrote it — cache_control, thinking, server tools and fields the
 * gateway does not know included — and the raw answer comes back for the pipeline to relay.
 */
export function anthropicAdapter(): ProviderAdapter {
  const clients = new Map<string, { version: string; client: Anthropic }>();
  const clientFor = (target: ConnectionTarget): Anthropic => {
    const cached = clients.get(target.id);
    if (cached?.version === target.version) return cached.client;
    const client = new Anthropic({
      apiKey: target.secret.apiKey ?? null,
      baseURL: (target.config.baseUrl as string | undefined) ?? 'https://api.anthropic.com',
      maxRetries: 0,
      // The SDK warns on stdout about deprecated model names; the daemon relays whatever model the
      // resource names and keeps its own log.
      logLevel: 'off',
      timeout: Number(target.config.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS),
      defaultHeaders: (target.config.headers as Record<string, string> | undefined) ?? {},
    });
    clients.set(target.id, { version: target.version, client });
    return client;
  };
  return {
    dialectFor: () => 'anthropic-messages',
    async countTokens(target, body, signal) {
      const { stream: _stream, max_tokens: _max, ...params } = body;
      const counted = await clientFor(target).messages.countTokens(params as unknown as Anthropic.MessageCountTokensParams, { signal });
      return counted.input_tokens;
    },
    async send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse> {
      const client = clientFor(target);
      try {
        // The SDK's plain POST (auth, base URL, headers, timeout) rather than messages.create(): the body
        // goes out exactly as given, and create() prints model-deprecation notices on the console.
        const response = await client.post('/v1/messages', { body: call.body, signal: call.signal }).asResponse();
        return fromFetchResponse(response);
      } catch (error) {
        // An error status is an answer like any other: the pipeline decides about fallback.
        if (error instanceof Anthropic.APIError && error.status) {
          const headers = error.headers ? Object.fromEntries(error.headers) : {};
          return bufferedResponse(error.status, JSON.stringify(error.error ?? { error: { message: error.message } }), { ...headers, 'content-type': 'application/json' });
        }
        throw networkFailure(error, target);
      }
    },
  };
}

/** The SDK's transport errors as the pipeline expects them; aborts pass through untouched. */
function networkFailure(error: unknown, target: ConnectionTarget): unknown {
  if (error instanceof Anthropic.APIUserAbortError) return error;
  if (error instanceof Anthropic.APIConnectionTimeoutError) return new UpstreamUnavailable(`${target.name} sent no answer in time`, 504);
  if (error instanceof Anthropic.APIConnectionError) return new UpstreamUnavailable(`cannot reach ${target.name} (${error.message})`, 502);
  return error;
}
