import { referencedConnectionIds } from '../../../store/repos/resources.js';
import { ConflictError } from '../../../errors.js';
import { findConnection } from '../../lookup.js';
import { confirmDestructive, required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, toggle } from '../../verb.js';

export const verb = defineVerb({
  flags: { force: toggle('--force', 'also remove the resources that use it') },
  async run({ force }, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const connection = await findConnection(
      scope,
      store,
      await required(ctx, ref, '<connection>', 'Connection to remove'),
    );
    const users = (await store.resources.list(scope.environment.id)).filter((resource) =>
      referencedConnectionIds(resource).has(connection.id),
    );
    const names = users.map((r) => r.name).join(', ');
    if (users.length > 0 && !force) {
      throw new ConflictError(
        `connection '${connection.name}' is used by resource(s) ${names}: change them first, or pass --force to remove them too`,
      );
    }
    await confirmDestructive(
      ctx,
      users.length > 0
        ? `remove connection '${connection.name}' and the resource(s) that use it (${names})`
        : `remove connection '${connection.name}'`,
    );
    const secrets = await ctx.secrets();
    await store.transaction(async (tx) => {
      for (const resource of users) {
        await tx.apiKeys.forgetResource(scope.environment.id, resource.id);
        await tx.pools.forgetResource(scope.environment.id, resource.id);
        await tx.resources.delete(resource.id);
      }
      await tx.connections.delete(connection.id);
    });
    await secrets.remove(connection.id);
    if (ctx.out.json) {
      ctx.out.writeJson({
        id: connection.id,
        name: connection.name,
        deleted: true,
        removedResources: users.map((r) => r.name),
      });
    } else {
      ctx.out.message(`Removed connection ${connection.name}${users.length ? ` and resource(s) ${names}` : ''}`);
    }
  },
});
