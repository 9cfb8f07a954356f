import { findApiKey } from '../../lookup.js';
import { confirmDestructive, required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const key = await findApiKey(scope, store, await required(ctx, ref, '<key>', 'Key to revoke'));
    await confirmDestructive(ctx, `revoke API key '${key.name}' (${key.maskedKey})`);
    await store.apiKeys.delete(key.id);
    if (ctx.out.json) ctx.out.writeJson({ id: key.id, name: key.name, revoked: true });
    else ctx.out.message(`Revoked API key ${key.name}`);
  },
});
