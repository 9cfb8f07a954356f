import { resolveEnvironment } from '../../scope.js';
import { defineVerb, flag } from '../../verb.js';
import { formatTime } from '../usage/window.js';
import { NO_BATCHES, pendingOf } from './view.js';

export const verb = defineVerb({
  flags: {
    limit: flag(
      '--limit <count>',
      'at most this many batches',
      (z) => z.coerce.number().check(z.int('must be a whole number'), z.gte(1), z.lte(10_000)),
      { default: 20 },
    ),
  },
  async run({ limit }, ctx) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    ctx.out.list(
      await store.batches.list(scope.environment.id, { limit }),
      [
        { header: 'ID', value: (b) => b.id },
        { header: 'STATUS', value: (b) => b.status },
        { header: 'DONE', value: (b) => b.counts.completed },
        { header: 'FAILED', value: (b) => b.counts.failed },
        { header: 'PENDING', value: (b) => pendingOf(b) },
        { header: 'TOTAL', value: (b) => b.counts.total },
        { header: 'CREATED', value: (b) => formatTime(Date.parse(b.createdAt)) },
      ],
      NO_BATCHES,
    );
  },
});
