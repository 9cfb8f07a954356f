import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { connectionView } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    ctx.out.list(
      (await store.connections.list(scope.environment.id)).map((c) => connectionView(c)),
      [
        { header: 'NAME', value: (c) => c.name },
        { header: 'PROVIDER', value: (c) => c.provider },
        { header: 'BASE URL', value: (c) => c.baseUrl },
        { header: 'LIMITS', value: (c) => c.limits },
        { header: 'ID', value: (c) => c.id },
      ],
      'no connections yet: add one with `vmx connection add <name> --provider <id>`',
    );
  },
});
