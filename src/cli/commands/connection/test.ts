import { RuntimeError, UsageError } from '../../../errors.js';
import { connectionSecretFields, isProviderId } from '../../../providers/registry.js';
import { findConnection } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, text } from '../../verb.js';
import { startSpinner } from '../../io/spinner.js';

/**
 * A minimal real call through the connection's adapter (providers/probe.ts): with --model a one-token
 * completion, else the provider's model list. Reports latency, or the provider's error (secrets blanked out).
 */
export const verb = defineVerb({
  flags: { model: text('--model <model>', 'send a one-token chat completion to this model instead of listing models') },
  async run({ model }, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const connection = await findConnection(
      scope,
      store,
      await required(ctx, ref, '<connection>', 'Connection to test'),
    );
    if (!isProviderId(connection.provider))
      throw new UsageError(`connection '${connection.name}' has an unknown provider`);
    // The adapters load only here: the probe is the one part of providers/ beyond the registry the CLI uses.
    const { probe } = await import('../../../providers/probe.js');
    const secrets = await ctx.secrets();
    const values = (await secrets.read(connection, connectionSecretFields(connection))).values;
    // A provider that hangs is waited on up to the probe's timeout: a spinner says so on a terminal.
    const spinner = ctx.out.json
      ? undefined
      : startSpinner(ctx.deps.stderr, `testing ${connection.name} (${connection.provider})…`);
    const result = await probe(connection, values, { model }).finally(() => spinner?.stop());
    if (!result.ok) throw new RuntimeError(`${connection.name}: ${result.message}`);
    const detail = 'model' in result ? { model: result.model } : { models: result.models };
    if (ctx.out.json)
      ctx.out.writeJson({
        connection: connection.name,
        provider: connection.provider,
        ok: true,
        latencyMs: result.latencyMs,
        ...detail,
      });
    else
      ctx.out.message(
        `${connection.name}: ok in ${result.latencyMs} ms (${'model' in result ? `model ${result.model} answered` : `${result.models} models listed`})`,
      );
  },
});
