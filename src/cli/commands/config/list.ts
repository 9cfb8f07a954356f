import { retentionSettings, type RetentionKey } from '../../../store/retention.js';
import { defineVerb } from '../../verb.js';
import { describeSetting } from './settings.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const store = await ctx.store();
    const rows = await Promise.all(
      (Object.keys(retentionSettings) as RetentionKey[]).map((key) => describeSetting(store, key)),
    );
    ctx.out.list(rows, [
      { header: 'KEY', value: (r) => r.key },
      { header: 'VALUE', value: (r) => (r.set ? r.value : `${r.value} (default)`) },
      { header: 'ABOUT', value: (r) => r.about },
    ]);
  },
});
