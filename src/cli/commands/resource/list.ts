import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { modelLabel, resourceView } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const connections = await store.connections.list(scope.environment.id);
    ctx.out.list(
      (await store.resources.list(scope.environment.id)).map((r) => resourceView(r, connections)),
      [
        { header: 'NAME', value: (r) => r.name },
        { header: 'MODEL', value: (r) => modelLabel(r.model) },
        { header: 'FALLBACK', value: (r) => (r.useFallback ? r.fallbackModels.map(modelLabel) : 'off') },
        { header: 'ROUTES', value: (r) => r.routes.length },
        { header: 'LIMITS', value: (r) => r.limits },
      ],
      'no resources yet: add one with `vmx resource add <name> --model <connection>/<model>`',
    );
  },
});
