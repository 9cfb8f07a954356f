import { UsageError } from '../errors.js';
import { codecs } from './dialects/index.js';
import { errorMessage } from './http/error-message.js';
import { UpstreamClient } from './http/upstream-client.js';
import type { PivotRequest } from './pivot.js';
import { redactSecrets } from './redact.js';
import { isProviderId, providers } from './registry.js';
import { connectionTarget } from './types.js';

/** A probe pretends to be a request in the dialect most clients speak; the adapter says what it sends. */
const INBOUND = 'openai-chat';

/** What a probe found: the call's latency and what answered, or the provider's failure (secrets blanked out). */
export type ProbeResult =
  | { ok: true; latencyMs: number; models: number }
  | { ok: true; latencyMs: number; model: string }
  | { ok: false; message: string };

/**
 * A minimal real call through a connection's adapter (`vmx connection test`). With a model: a one-token
 * completion in the dialect the adapter speaks for it (`dialectFor`), encoded by that dialect's codec
 * from a tiny pivot request. Without one: the provider's model list. Throws a UsageError when the
 * provider has no model list to try without a model.
 */
export async function probe(
  connection: { id: string; name: string; provider: string; config: Record<string, unknown>; updatedAt: string },
  secret: Record<string, string>,
  options: { model?: string; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  if (!isProviderId(connection.provider)) throw new Error(`unknown provider ${connection.provider}`);
  const { model } = options;
  const client = new UpstreamClient();
  const adapter = providers[connection.provider].adapter(client);
  // The target's secret holds every value to blank out: credential and header values (also those an
  // older vmx left in the config).
  const target = connectionTarget(connection, secret);
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  try {
    if (model === undefined) {
      if (!adapter.listModels)
        throw new UsageError(`pass --model: ${connection.provider} has no model list to test against`);
      const models = await adapter.listModels(target, signal);
      return { ok: true, latencyMs: latencyMs(), models: models.length };
    }
    const dialect = adapter.dialectFor(INBOUND, model);
    const { value: body } = codecs[dialect].encodeRequest(ping(model));
    const response = await adapter.send(target, { dialect, body, stream: false, signal });
    const text = await response.body.text();
    if (response.status >= 400) throw new Error(`${response.status} ${errorMessage(text, dialect)}`);
    return { ok: true, latencyMs: latencyMs(), model };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return { ok: false, message: redactSecrets((error as Error).message, target.secret) };
  } finally {
    await client.close();
  }
}

/** The smallest completion request: one word in, one token out. */
const ping = (model: string): PivotRequest => ({
  model,
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }],
  tools: [],
  maxTokens: 1,
  stream: false,
});
