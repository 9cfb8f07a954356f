import { findConnection } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { connectionSecretFields } from '../../../providers/registry.js';
import { connectionView } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const connection = await findConnection(scope, store, await required(ctx, ref, '<connection>', 'Connection'));
    const secrets = await ctx.secrets();
    ctx.out.object(connectionView(connection, await secrets.status(connection, connectionSecretFields(connection))));
  },
});
