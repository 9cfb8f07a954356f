import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { keyView } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const resources = await store.resources.list(scope.environment.id);
    ctx.out.list(
      (await store.apiKeys.list(scope.environment.id)).map((k) => keyView(k, resources)),
      [
        { header: 'NAME', value: (k) => k.name },
        { header: 'KEY', value: (k) => k.maskedKey },
        { header: 'STATUS', value: (k) => k.status },
        { header: 'RESOURCES', value: (k) => k.resourceNames ?? 'all' },
        { header: 'LIMITS', value: (k) => k.limits },
        { header: 'EXPIRES', value: (k) => k.expiresAt },
      ],
      'no API keys yet: create one with `vmx key create <name>`',
    );
  },
});
