import type { UpstreamClient } from '../http/upstream-client.js';
import type { ConnectionTarget, NativeCall, ProviderAdapter, UpstreamResponse } from '../types.js';

const PATHS = { 'openai-chat': '/chat/completions', 'openai-responses': '/responses' } as const;

/**
 * OpenAI and every OpenAI-compatible API (Groq, Gemini's compatibility endpoint, ollama, vLLM …):
 * `Authorization: Bearer`, JSON bodies, SSE streams. The body goes out as given.
 */
export function openAIAdapter(
  client: UpstreamClient,
  options: { defaultBaseUrl?: string; dialects: ReadonlyArray<keyof typeof PATHS> },
): ProviderAdapter {
  const baseUrl = (target: ConnectionTarget) =>
    (target.config.baseUrl as string | undefined) ?? options.defaultBaseUrl ?? '';
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
    dialectFor: (inbound) => (options.dialects.includes(inbound as keyof typeof PATHS) ? inbound : 'openai-chat'),
    send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse> {
      const path = PATHS[call.dialect as keyof typeof PATHS];
      if (!path) throw new Error(`${target.provider} does not speak ${call.dialect}`);
      return client.request(target, {
        url: `${baseUrl(target)}${path}`,
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
      if (response.status >= 400) throw new Error(`${response.status}: ${errorMessage(text)}`);
      return ((JSON.parse(text) as { data?: Array<{ id: string }> }).data ?? []).map((m) => m.id);
    },
  };
}

/** The message of an OpenAI-shaped error body, or the body itself (shortened). */
export function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof parsed.error === 'string') return parsed.error;
    return parsed.error?.message ?? parsed.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
