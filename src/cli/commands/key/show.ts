import { findApiKey } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { keyView } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const key = await findApiKey(scope, store, await required(ctx, ref, '<key>', 'Key'));
    ctx.out.object(keyView(key, await store.resources.list(scope.environment.id)));
  },
});
