import { editInTransaction } from '../../edit.js';
import { findApiKey } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { keyView } from './view.js';

const setEnabled = (enabled: boolean) =>
  defineVerb({
    async run(_options, ctx, [ref]) {
      const scope = await resolveEnvironment(ctx, 'write');
      const store = await ctx.store();
      const target = await required(ctx, ref, '<key>', 'Key');
      // Found and changed in one transaction: a key revoked meanwhile is reported, not written blind.
      const updated = await editInTransaction(
        store,
        ctx.user,
        scope,
        'write',
        async (tx) => await tx.apiKeys.setEnabled(await findApiKey(scope, tx, target), enabled, ctx.user),
      );
      ctx.out.success(`${enabled ? 'Enabled' : 'Disabled'} API key ${updated.name}`);
      ctx.out.object(keyView(updated, await store.resources.list(scope.environment.id)));
    },
  });

export const enable = setEnabled(true);
export const disable = setEnabled(false);
