import { RuntimeError, UsageError } from '../../../errors.js';
import { connectionSecretFields, isProviderId, providers } from '../../../providers/registry.js';
import { findConnection } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

/**
 * A minimal real call through the connection's adapter: with --model a one-token chat completion,
 * else the provider's model list. Reports latency, or the provider's error (secrets blanked out).
 */
export const run: VerbRun = async (ctx, [ref], flags) => {
  const scope = await resolveEnvironment(ctx, 'read');
  const store = await ctx.store();
  const connection = findConnection(scope, store, await required(ctx, ref, '<connection>', 'Connection to test'));
  if (!isProviderId(connection.provider))
    throw new UsageError(`connection '${connection.name}' has an unknown provider`);
  // The adapters load only here: they are the one part of providers/ beyond the registry the CLI uses.
  const { createAdapters } = await import('../../../providers/adapters.js');
  const { errorMessage } = await import('../../../providers/openai/adapter.js');
  const { redactSecrets } = await import('../../../providers/redact.js');
  const { connectionTarget } = await import('../../../providers/types.js');
  const { adapters, client } = createAdapters();
  const adapter = adapters[connection.provider];
  if (!adapter)
    throw new RuntimeError(`testing ${providers[connection.provider].displayName} connections is not supported yet`);
  const secrets = await ctx.secrets();
  // The target's secret holds every value to blank out: credential and header values (also those an
  // older vmx left in the config).
  const target = connectionTarget(connection, secrets.read(connection, connectionSecretFields(connection)).values);
  const model = flags.model as string | undefined;
  const signal = AbortSignal.timeout(30_000);
  const started = performance.now();
  try {
    let detail: Record<string, unknown>;
    if (model) {
      const response = await adapter.send(target, {
        dialect: 'openai-chat',
        body: { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 },
        stream: false,
        signal,
      });
      const text = await response.body.text();
      if (response.status >= 400) throw new Error(`${response.status} ${errorMessage(text)}`);
      detail = { model };
    } else {
      if (!adapter.listModels)
        throw new UsageError(`pass --model: ${connection.provider} has no model list to test against`);
      const models = await adapter.listModels(target, signal);
      detail = { models: models.length };
    }
    const latencyMs = Math.round(performance.now() - started);
    if (ctx.out.json)
      ctx.out.writeJson({ connection: connection.name, provider: connection.provider, ok: true, latencyMs, ...detail });
    else
      ctx.out.message(
        `${connection.name}: ok in ${latencyMs} ms (${model ? `model ${model} answered` : `${detail.models} models listed`})`,
      );
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new RuntimeError(`${connection.name}: ${redactSecrets((error as Error).message, target.secret)}`);
  } finally {
    await client.close();
  }
};
