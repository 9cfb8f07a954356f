import { UsageError } from '../../../errors.js';
import { connectionSecretFields, isProviderId, providers } from '../../../providers/registry.js';
import { parseLimits } from '../../../gateway/capacity/limits.js';
import { editInTransaction } from '../../edit.js';
import { nameSchema } from '../../input.js';
import { findConnection } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, flag } from '../../verb.js';
import { connectionFlags } from './config-flags.js';
import { buildConfig, parseHeaders } from './config.js';
import { parsePrices } from './prices.js';
import { collectCredential, nextSecretEntry } from './secret.js';
import { connectionView } from './view.js';

export const verb = defineVerb({
  flags: { ...connectionFlags, name: flag('--name <name>', 'new name', () => nameSchema) },
  async run(input, ctx, [ref]) {
    // Everything that does not depend on the stored row is checked before the write lock is taken.
    const capacity = input.limit ? parseLimits(input.limit) : undefined;
    const prices = input.price ? parsePrices(input.price) : undefined;
    parseHeaders(input.header);
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const reference = await required(ctx, ref, '<connection>', 'Connection to update');
    const found = await findConnection(scope, store, reference);
    if (!isProviderId(found.provider)) throw new UsageError(`connection '${found.name}' has an unknown provider`);
    const provider = providers[found.provider];
    // Reads stdin or prompts, so it runs before the transaction (which holds the write lock); it needs only the provider.
    const credential = await collectCredential(ctx, provider, input.name ?? found.name, input, 'update');
    const secrets = await ctx.secrets();

    // One IMMEDIATE transaction: the row is read under the write lock and only what the flags name is
    // changed, so concurrent edits of other fields (by other processes) are never written back over.
    // The credential entry is read-modify-written inside it too, and a refusing keychain rolls it back.
    const updated = await editInTransaction(store, ctx.user, scope, 'write', async (tx) => {
      const current = await findConnection(scope, tx, found.id);
      const config = buildConfig(provider, input, current.config);
      const next = await tx.connections.update(
        current,
        {
          name: input.name,
          description: input.description === undefined ? undefined : input.description || null,
          config,
          capacity,
          prices,
        },
        ctx.user,
      );
      const inTx = await ctx.secrets(tx);
      await inTx.replace(
        current.id,
        nextSecretEntry({
          stored: await inTx.storedFields(current.id),
          credential,
          headerFlags: input.header,
          previousConfig: current.config,
          config,
        }),
      );
      return next;
    });
    ctx.out.success(`Updated connection ${updated.name}`);
    ctx.out.object(connectionView(updated, await secrets.status(updated, connectionSecretFields(updated))));
  },
});
