import { UsageError } from '../../../errors.js';
import { parseRetention, policyProblem, retentionPolicy } from '../../../store/retention.js';
import { required } from '../../prompts.js';
import { defineVerb } from '../../verb.js';
import { checkMayChangeSettings, describeSetting, settingKey } from './settings.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref, raw]) {
    const key = settingKey(await required(ctx, ref, '<key>', 'Setting'));
    const value = (await required(ctx, raw, '<value>', key)).trim();
    parseRetention(key, value);
    const store = await ctx.store();
    // One transaction: the policy is checked against the other settings as they are when this one is
    // written, so two changes at once cannot together make a policy that neither would pass alone.
    const { before, after } = await store.transaction(async (tx) => {
      await checkMayChangeSettings(tx, ctx.user);
      const before = await describeSetting(tx, key);
      // The policy as a whole must still make sense with the new value.
      const set = new Map((await tx.settings.list()).map((s) => [s.key, s.value]));
      const problem = policyProblem(retentionPolicy({ get: (k) => (k === key ? value : set.get(k)) }));
      if (problem) throw new UsageError(`cannot set ${key} to ${value}: ${problem}`);
      await tx.settings.set(key, value);
      return { before, after: await describeSetting(tx, key) };
    });
    if (ctx.out.json) return ctx.out.writeJson(after);
    ctx.out.message(`${key} = ${after.value} (was ${before.value}${before.set ? '' : ', the default'})`);
  },
});
