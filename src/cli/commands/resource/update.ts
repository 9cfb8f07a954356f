import { z } from 'zod';
import { nameSchema, parseInput } from '../../input.js';
import { findResource } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';
import { buildResourceFields, type ResourceFlags } from './fields.js';
import { printResource, resourceView } from './view.js';

export const run: VerbRun = async (ctx, [ref], flags) => {
  const input = parseInput(z.object({ name: nameSchema.optional() }), { name: flags.name });
  const scope = await resolveEnvironment(ctx, 'write');
  const store = await ctx.store();
  const resource = findResource(scope, store, await required(ctx, ref, '<resource>', 'Resource to update'));
  const fields = await buildResourceFields(ctx, scope, store, input.name ?? resource.name, flags as ResourceFlags, resource);
  const updated = store.resources.update(resource, fields, ctx.user);
  printResource(ctx.out, resourceView(updated, store.connections.list(scope.environment.id)));
};
