import Anthropic from '@anthropic-ai/sdk';
import { fetch as undiciFetch, type Agent } from 'undici';
import { isBodyTimeout, upstreamAgent, wentSilent } from '../http/upstream-client.js';
import { bufferedResponse, fromFetchResponse } from '../http/fetch-response.js';
import { connectionTimeouts } from '../registry.js';
import type { ConnectionTarget, NativeCall, ProviderAdapter, UpstreamResponse } from '../types.js';
import { UpstreamUnavailable } from '../types.js';

/**
 * Anthropic through the official `@anthropic-ai/sdk` (base URL override for proxies and tests). The
 * Messages body is sent as the client wrote it — cache_control, thinking, server tools and fields the
 * gateway does not know included — and the raw answer comes back for the pipeline to relay.
 *
 * The SDK fetches through undici with the connection's own pool (see `upstreamAgent`), so the three
 * timeouts apply as they do for OpenAI: connect, first byte (also the SDK's `timeout`, which only
 * covers the wait for the headers) and the idle gap inside the body (`bodyTimeout`); and there is no
 * fixed socket limit for hanging requests to block the others behind.
 */
export function anthropicAdapter(): ProviderAdapter {
  const clients = new Map<string, { version: string; client: Anthropic; agent: Agent; idleMs: number }>();
  const clientFor = (target: ConnectionTarget) => {
    const cached = clients.get(target.id);
    if (cached?.version === target.version) return cached;
    void cached?.agent.close();
    const timeouts = connectionTimeouts(target.config);
    const agent = upstreamAgent(timeouts);
    const client = new Anthropic({
      apiKey: target.secret.apiKey ?? null,
      baseURL: (target.config.baseUrl as string | undefined) ?? 'https://api.anthropic.com',
      maxRetries: 0,
      // The SDK warns on stdout about deprecated model names; the daemon relays whatever model the
      // resource names and keeps its own log.
      logLevel: 'off',
      timeout: timeouts.firstByteMs,
      defaultHeaders: target.headers,
      // undici's own fetch: the dispatcher must come from the same undici as the fetch using it.
      fetch: undiciFetch as unknown as typeof globalThis.fetch,
      fetchOptions: { dispatcher: agent } as Record<string, unknown>,
    });
    const entry = { version: target.version, client, agent, idleMs: timeouts.idleMs };
    clients.set(target.id, entry);
    return entry;
  };
  return {
    dialectFor: () => 'anthropic-messages',
    async countTokens(target, body, signal) {
      const { stream: _stream, max_tokens: _max, ...params } = body;
      const counted = await clientFor(target).client.messages.countTokens(
        params as unknown as Anthropic.MessageCountTokensParams,
        { signal },
      );
      return counted.input_tokens;
    },
    async send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse> {
      const { client, idleMs } = clientFor(target);
      try {
        // The SDK's plain POST (auth, base URL, headers, timeout) rather than messages.create(): the body
        // goes out exactly as given, and create() prints model-deprecation notices on the console.
        const response = await client.post('/v1/messages', { body: call.body, signal: call.signal }).asResponse();
        return silenceAsTimeout(fromFetchResponse(response), target, idleMs);
      } catch (error) {
        // An error status is an answer like any other: the pipeline decides about fallback.
        if (error instanceof Anthropic.APIError && error.status) {
          const headers = error.headers ? Object.fromEntries(error.headers) : {};
          return bufferedResponse(error.status, JSON.stringify(error.error ?? { error: { message: error.message } }), {
            ...headers,
            'content-type': 'application/json',
          });
        }
        throw networkFailure(error, target);
      }
    },
  };
}

/** The SDK's transport errors as the pipeline expects them; aborts pass through untouched. */
function networkFailure(error: unknown, target: ConnectionTarget): unknown {
  if (error instanceof Anthropic.APIUserAbortError) return error;
  if (error instanceof Anthropic.APIConnectionTimeoutError)
    return new UpstreamUnavailable(`${target.name} sent no answer in time`, 504);
  if (error instanceof Anthropic.APIConnectionError)
    return new UpstreamUnavailable(`cannot reach ${target.name} (${error.message})`, 502);
  return error;
}

/** fetch reports a silent body as `terminated`; the pipeline is told it was the idle gap (504). */
function silenceAsTimeout(response: UpstreamResponse, target: ConnectionTarget, idleMs: number): UpstreamResponse {
  const { body } = response;
  const describe = (error: unknown) => (isBodyTimeout(error) ? wentSilent(target, idleMs) : error);
  return {
    ...response,
    body: {
      async *[Symbol.asyncIterator]() {
        try {
          yield* body;
        } catch (error) {
          throw describe(error);
        }
      },
      text: () => body.text().catch((error: unknown) => Promise.reject(describe(error))),
      destroy: (error?: Error) => body.destroy(error),
    },
  };
}
