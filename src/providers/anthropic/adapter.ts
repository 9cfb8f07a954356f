import type Anthropic from '@anthropic-ai/sdk';
import type { Agent } from 'undici';
import { abortSignalOf } from '../cancel.js';
import { connectionTimeouts } from '../connection-config.js';
import { bufferedResponse, fromFetchResponse } from '../http/fetch-response.js';
import { isBodyTimeout, wentSilent } from '../http/silence.js';
import type { AdapterDeps, CommonSettings } from '../provider.js';
import type { ConnectionTarget, NativeCall, ProviderAdapter, UpstreamResponse } from '../types.js';
import { UpstreamUnavailable } from '../types.js';

/**
 * The SDK and undici's fetch load when a connection of this provider is configured (`prepare`) or
 * first called, not when the adapter is made: a daemon without Anthropic connections never holds
 * them (~12 MB), and no CLI verb that reads the registry pays for them.
 */
async function loadSdk() {
  const [{ default: AnthropicSdk }, { fetch }, { upstreamAgent }] = await Promise.all([
    import('@anthropic-ai/sdk'),
    import('undici'),
    import('../http/upstream-client.js'),
  ]);
  return { Anthropic: AnthropicSdk, fetch, upstreamAgent };
}
type Sdk = Awaited<ReturnType<typeof loadSdk>>;

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
export function anthropicAdapter({ settings }: AdapterDeps<CommonSettings>, defaultBaseUrl: string): ProviderAdapter {
  let loading: Promise<Sdk> | undefined;
  const sdk = () => (loading ??= loadSdk());
  const clients = new Map<string, { version: string; client: Anthropic; agent: Agent; idleMs: number; sdk: Sdk }>();
  const clientFor = async (target: ConnectionTarget) => {
    const cached = clients.get(target.id);
    if (cached?.version === target.version) return cached;
    const loaded = await sdk();
    const config = settings(target);
    // Looked up again: another call may have made the client while this one waited for the SDK.
    const current = clients.get(target.id);
    if (current?.version === target.version) return current;
    void current?.agent.close();
    const timeouts = connectionTimeouts(config);
    const agent = loaded.upstreamAgent(timeouts);
    const client = new loaded.Anthropic({
      apiKey: target.secret.apiKey ?? null,
      baseURL: config.baseUrl ?? defaultBaseUrl,
      maxRetries: 0,
      // The SDK warns on stdout about deprecated model names; the daemon relays whatever model the
      // resource names and keeps its own log.
      logLevel: 'off',
      timeout: timeouts.firstByteMs,
      defaultHeaders: target.headers,
      // undici's own fetch: the dispatcher must come from the same undici as the fetch using it.
      fetch: loaded.fetch as unknown as typeof globalThis.fetch,
      fetchOptions: { dispatcher: agent } as Record<string, unknown>,
    });
    const entry = { version: target.version, client, agent, idleMs: timeouts.idleMs, sdk: loaded };
    clients.set(target.id, entry);
    return entry;
  };
  return {
    dialectFor: () => 'anthropic-messages',
    prepare: () => void sdk().catch(() => undefined),
    async countTokens(target, body, signal) {
      const { stream: _stream, max_tokens: _max, ...params } = body;
      const { client } = await clientFor(target);
      const counted = await client.messages.countTokens(params as unknown as Anthropic.MessageCountTokensParams, {
        signal,
      });
      return counted.input_tokens;
    },
    async send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse> {
      const { client, idleMs, sdk } = await clientFor(target);
      try {
        // The SDK's plain POST (auth, base URL, headers, timeout) rather than messages.create(): the body
        // goes out exactly as given, and create() prints model-deprecation notices on the console.
        const response = await client
          .post('/v1/messages', { body: call.body, signal: abortSignalOf(call.signal) })
          .asResponse();
        return silenceAsTimeout(fromFetchResponse(response), target, idleMs);
      } catch (error) {
        // An error status is an answer like any other: the pipeline decides about fallback.
        if (error instanceof sdk.Anthropic.APIError && error.status) {
          const headers = error.headers ? Object.fromEntries(error.headers) : {};
          return bufferedResponse(error.status, JSON.stringify(error.error ?? { error: { message: error.message } }), {
            ...headers,
            'content-type': 'application/json',
          });
        }
        throw networkFailure(error, target, sdk);
      }
    },
  };
}

/** The SDK's transport errors as the pipeline expects them; aborts pass through untouched. */
function networkFailure(error: unknown, target: ConnectionTarget, { Anthropic }: Sdk): unknown {
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
