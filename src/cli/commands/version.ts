import { version } from '../../version.js';
import { defineVerb } from '../verb.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    ctx.out.object({
      version,
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      home: ctx.paths.home,
    });
  },
});
