import { nameSchema, parseInput } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { z } from '../../zod.js';
import { buildResourceFields, readResourceInput } from './fields.js';
import { resourceFlags } from './flags.js';
import { printResource, resourceView } from './view.js';

export const verb = defineVerb({
  flags: resourceFlags,
  async run(flags, ctx, [name]) {
    const input = parseInput(
      z.object({ name: nameSchema }),
      { name: await required(ctx, name, '<name>', 'Resource name') },
      { name: '<name>' },
    );
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const model = await required(ctx, flags.model, '--model', 'Model (connection/model)');
    const connections = await store.connections.list(scope.environment.id);
    const fields = buildResourceFields(
      scope,
      connections,
      input.name,
      await readResourceInput(ctx, { ...flags, model }),
    );
    const resource = await store.resources.create(scope.environment.id, fields, ctx.user);
    ctx.out.success(`Created resource ${resource.name}`);
    printResource(ctx.out, resourceView(resource, connections));
  },
});
