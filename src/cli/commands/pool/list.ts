import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { NO_POOLS, poolView } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const resources = await store.resources.list(scope.environment.id);
    ctx.out.list(
      (await store.pools.list(scope.environment.id)).map((p) => poolView(p, resources)),
      [
        { header: 'RANK', value: (p) => p.rank },
        { header: 'NAME', value: (p) => p.name },
        { header: 'MIN', value: (p) => `${p.min}%` },
        { header: 'MAX', value: (p) => `${p.max}%` },
        { header: 'RESOURCES', value: (p) => p.resourceNames },
      ],
      NO_POOLS,
    );
  },
});
