import { editInTransaction } from '../../edit.js';
import { nameSchema } from '../../input.js';
import { findResource } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, flag } from '../../verb.js';
import { buildResourceFields, readResourceInput } from './fields.js';
import { resourceFlags } from './flags.js';
import { printResource, resourceView } from './view.js';

export const verb = defineVerb({
  flags: { ...resourceFlags, name: flag('--name <name>', 'new name', () => nameSchema) },
  async run({ name, ...flags }, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    // Looked up first so that a wrong name fails before a routing file (or stdin) is read.
    const { id } = await findResource(scope, store, await required(ctx, ref, '<resource>', 'Resource to update'));
    const changes = await readResourceInput(ctx, flags);
    const updated = await editInTransaction(store, ctx.user, scope, 'write', async (tx) => {
      // The row as it is now, not as it was before the file was read: edits made meanwhile stay.
      const current = await findResource(scope, tx, id);
      return await tx.resources.update(
        current,
        buildResourceFields(
          scope,
          await tx.connections.list(scope.environment.id),
          name ?? current.name,
          changes,
          current,
        ),
        ctx.user,
      );
    });
    ctx.out.success(`Updated resource ${updated.name}`);
    printResource(ctx.out, resourceView(updated, await store.connections.list(scope.environment.id)));
  },
});
