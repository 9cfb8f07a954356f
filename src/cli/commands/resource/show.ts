import { findResource } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { printResource, resourceView } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const resource = await findResource(scope, store, await required(ctx, ref, '<resource>', 'Resource'));
    printResource(ctx.out, resourceView(resource, await store.connections.list(scope.environment.id)));
  },
});
