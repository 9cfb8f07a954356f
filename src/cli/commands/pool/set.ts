import type { ZodMiniType } from 'zod/mini';
import { UsageError } from '../../../errors.js';
import type { Repositories } from '../../../store/backend.js';
import type { CliContext } from '../../context.js';
import { editInTransaction } from '../../edit.js';
import { nameSchema, parseInput } from '../../input.js';
import { findResource } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment, type EnvironmentScope } from '../../scope.js';
import { defineVerb, flag, list, type Options } from '../../verb.js';
import { z } from '../../zod.js';
import { describePool, poolView } from './view.js';

// Whole numbers as typed; the store checks their ranges (the same rules for every caller).
const rank = z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/, 'must be a whole number')), z.transform(Number));
const percent = z.pipe(
  z.string().check(z.trim(), z.regex(/^\d+%?$/, 'must be a whole percentage, e.g. 20 or 20%')),
  z.transform((value: string) => Number(value.replace('%', ''))),
);

const flags = {
  rank: flag('--rank <n>', 'priority: 1 is served first', () => rank),
  min: flag('--min <pct>', "share of each connection's per-minute token limit the pool always keeps", () => percent),
  max: flag('--max <pct>', 'largest share the pool may grow to', () => percent),
  resource: list('--resource <name|id>', 'a resource whose requests are in this pool (repeatable; replaces the list)'),
};

type Given = Options<typeof flags>;

export const verb = defineVerb({
  flags,
  async run(given, ctx, [nameArg]) {
    const { name } = parseInput(
      z.object({ name: nameSchema }),
      { name: await required(ctx, nameArg, '<name>', 'Pool name') },
      { name: '<name>' },
    );
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    // A new pool needs every setting: asked for (on a TTY) before the write lock is taken.
    const input = (await store.pools.find(scope.environment.id, name)) ? given : await askMissing(ctx, given);
    const { pool, created } = await editInTransaction(store, ctx.user, scope, 'write', async (tx) => {
      // The pool as it is now: what the flags leave out keeps its current value.
      const current = await tx.pools.find(scope.environment.id, name);
      const resourceIds = input.resource ? await resourceIdsOf(scope, tx, input.resource) : current?.resourceIds;
      const saved = await tx.pools.set({
        environmentId: scope.environment.id,
        name: current?.name ?? name,
        rank: input.rank ?? current?.rank ?? missing('--rank'),
        min: input.min ?? current?.min ?? missing('--min'),
        max: input.max ?? current?.max ?? missing('--max'),
        resourceIds: resourceIds ?? missing('--resource'),
        user: ctx.user,
      });
      return { pool: saved, created: !current };
    });
    const view = poolView(pool, await store.resources.list(scope.environment.id));
    if (ctx.out.json) ctx.out.writeJson(view);
    else ctx.out.message(`${created ? 'Created' : 'Updated'} pool ${describePool(view)}`);
  },
});

/** Every setting of a new pool: a flag left out is asked for on a TTY, else a usage error names it. */
async function askMissing(ctx: CliContext, given: Given): Promise<Given> {
  const ask = async (value: number | undefined, label: string, question: string, schema: ZodMiniType<number>) =>
    value ??
    parseInput(
      z.object({ value: schema }),
      { value: await required(ctx, undefined, label, question) },
      { value: label },
    ).value;
  return {
    rank: await ask(given.rank, '--rank', 'Rank (1 is served first)', rank),
    min: await ask(given.min, '--min', 'Min share (%)', percent),
    max: await ask(given.max, '--max', 'Max share (%)', percent),
    resource:
      given.resource ??
      (await required(ctx, undefined, '--resource', 'Resources (comma-separated)')).split(',').map((r) => r.trim()),
  };
}

/** The ids of the resources named (once each). */
async function resourceIdsOf(scope: EnvironmentScope, tx: Repositories, refs: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) ids.push((await findResource(scope, tx, ref)).id);
  return [...new Set(ids)];
}

function missing(label: string): never {
  throw new UsageError(`missing required flag ${label}`);
}
