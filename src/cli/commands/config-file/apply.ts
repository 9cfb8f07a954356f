import { UsageError } from '../../../errors.js';
import type { Repositories } from '../../../store/backend.js';
import type { CliContext } from '../../context.js';
import { defineVerb, text, toggle } from '../../verb.js';
import { planFile } from './plan-file.js';
import { changeViews, formatPlan, type Change, type PlanContext } from './plan.js';
import { readConfigFile } from './read-file.js';

export const verb = defineVerb({
  flags: {
    file: text('-f, --file <file>', 'the config file (YAML, as `vmx export` writes it)'),
    plan: toggle('--plan', 'print what would change and change nothing'),
    prune: toggle('--prune', 'also delete what the file leaves out of the lists it has'),
  },
  async run({ file, plan, prune }, ctx) {
    if (!file) throw new UsageError('missing required flag -f/--file <file>');
    const { file: document, locate } = readConfigFile(file);
    const store = await ctx.store();
    const pc = planContext(ctx, store, locate, Boolean(prune));
    if (plan) return report(ctx, await planFile(document, pc), false);
    // One transaction: the plan is made from the state it then changes, and any failure undoes it all.
    const changes = await store.transaction(async (tx) => {
      const planned = await planFile(document, { ...pc, store: tx });
      for (const change of planned) await change.run(tx);
      for (const write of pc.beforeCommit) await write(tx);
      return planned;
    });
    for (const done of pc.afterCommit) await done();
    report(ctx, changes, true, pc.newKeys);
  },
});

function planContext(ctx: CliContext, store: Repositories, locate: PlanContext['locate'], prune: boolean): PlanContext {
  return {
    store,
    user: ctx.user,
    env: ctx.deps.env,
    prune,
    locate,
    secrets: (tx) => ctx.secrets(tx),
    newKeys: [],
    beforeCommit: [],
    afterCommit: [],
  };
}

/** The plan (or what was applied) as `+`/`~`/`-` lines and a count; new keys once, as `key create` prints them. */
function report(ctx: CliContext, changes: Change[], applied: boolean, newKeys: PlanContext['newKeys'] = []): void {
  if (ctx.out.json) {
    ctx.out.writeJson({ applied: applied && changes.length > 0, changes: changeViews(changes), keys: newKeys });
    return;
  }
  if (changes.length === 0) {
    ctx.out.message('No changes: the store already matches the file.');
    return;
  }
  ctx.out.message(formatPlan(changes));
  const counts = (['create', 'update', 'delete'] as const).map((a) => changes.filter((c) => c.action === a).length);
  const summary = `${counts[0]} to create, ${counts[1]} to update, ${counts[2]} to delete`;
  if (!applied) {
    ctx.out.message(`\nPlan: ${summary}. Nothing was changed (without --plan, apply makes these changes).`);
    return;
  }
  ctx.out.message(`\nApplied: ${counts[0]} created, ${counts[1]} updated, ${counts[2]} deleted.`);
  for (const { label, key } of newKeys) {
    ctx.out.message(
      `\nNew key ${label}: ${key}\nCopy this key now: vmx stores only its hash and cannot show it again.`,
    );
  }
}
