import { required } from '../../prompts.js';
import { defineVerb } from '../../verb.js';
import { describeSetting, settingKey } from './settings.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const key = settingKey(await required(ctx, ref, '<key>', 'Setting'));
    const setting = await describeSetting(await ctx.store(), key);
    if (ctx.out.json) return ctx.out.writeJson(setting);
    ctx.out.message(setting.value);
  },
});
