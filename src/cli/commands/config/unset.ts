import { UsageError } from '../../../errors.js';
import { policyProblem, retentionPolicy } from '../../../store/retention.js';
import { required } from '../../prompts.js';
import { defineVerb } from '../../verb.js';
import { checkMayChangeSettings, describeSetting, settingKey } from './settings.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const key = settingKey(await required(ctx, ref, '<key>', 'Setting'));
    const store = await ctx.store();
    // One transaction, as in `config set`: checked against the other settings as they are when written.
    const after = await store.transaction(async (tx) => {
      await checkMayChangeSettings(tx, ctx.user);
      const set = new Map((await tx.settings.list()).map((s) => [s.key, s.value]));
      const problem = policyProblem(retentionPolicy({ get: (k) => (k === key ? undefined : set.get(k)) }));
      if (problem) throw new UsageError(`cannot put ${key} back to its default: ${problem}`);
      await tx.settings.unset(key);
      return describeSetting(tx, key);
    });
    if (ctx.out.json) return ctx.out.writeJson(after);
    ctx.out.message(`${key} = ${after.value} (the default)`);
  },
});
