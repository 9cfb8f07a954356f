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
    const { before, after } = store.transaction(() => {
      checkMayChangeSettings(store, ctx.user);
      const before = describeSetting(store, key);
      // The policy as a whole must still make sense with the new value.
      const problem = policyProblem(retentionPolicy({ get: (k) => (k === key ? value : store.settings.get(k)) }));
      if (problem) throw new UsageError(`cannot set ${key} to ${value}: ${problem}`);
      store.settings.set(key, value);
      return { before, after: describeSetting(store, key) };
    });
    if (ctx.out.json) return ctx.out.writeJson(after);
    ctx.out.message(`${key} = ${after.value} (was ${before.value}${before.set ? '' : ', the default'})`);
  },
});
