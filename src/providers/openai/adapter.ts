import { errorMessage } from '../http/error-message.js';
import type { AdapterDeps, CommonSettings } from '../provider.js';
import type { Dialect } from '../dialects/index.js';
import type { ConnectionTarget, NativeCall, ProviderAdapter, UpstreamResponse } from '../types.js';

const PATHS = { 'openai-chat': '/chat/completions', 'openai-responses': '/responses' } as const;

/** The dialects of the OpenAI API. */
export type OpenAIDialect = keyof typeof PATHS;

/**
 * OpenAI and every OpenAI-compatible API (Groq, Gemini's compatibility endpoint, ollama, vLLM …):
 * `Authorization: Bearer`, JSON bodies, SSE streams. The body goes out as given.
 */
export function openAIAdapter(
  { client, settings }: AdapterDeps<CommonSettings>,
  options: { defaultBaseUrl?: string; dialects: readonly OpenAIDialect[] },
): ProviderAdapter {
  const speaks = (dialect: Dialect): dialect is OpenAIDialect =>
    (options.dialects as readonly Dialect[]).includes(dialect);
  const baseUrl = (target: ConnectionTarget) => settings(target).baseUrl ?? options.defaultBaseUrl ?? '';
  const headers = (target: ConnectionTarget): Record<string, string> => {
    const auth: Record<string, string> = target.secret.apiKey
      ? { authorization: `Bearer ${target.secret.apiKey}` }
      : {};
    return {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...target.headers,
      ...auth,
    };
  };
  return {
    dialectFor: (inbound) => (speaks(inbound) ? inbound : 'openai-chat'),
    send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse> {
      if (!speaks(call.dialect)) throw new Error(`${target.provider} does not speak ${call.dialect}`);
      return client.request(target, {
        url: `${baseUrl(target)}${PATHS[call.dialect]}`,
        method: 'POST',
        headers: headers(target),
        body: JSON.stringify(call.body),
        signal: call.signal,
      });
    },
    async listModels(target, signal) {
      const response = await client.request(target, {
        url: `${baseUrl(target)}/models`,
        method: 'GET',
        headers: headers(target),
        signal,
      });
      const text = await response.body.text();
      if (response.status >= 400) throw new Error(`${response.status}: ${errorMessage(text, 'openai-chat')}`);
      return ((JSON.parse(text) as { data?: Array<{ id: string }> }).data ?? []).map((m) => m.id);
    },
  };
}
