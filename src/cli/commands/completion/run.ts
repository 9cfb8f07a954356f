import { UsageError } from '../../../errors.js';
import { defineVerb } from '../../verb.js';
import { scripts, type Shell } from './scripts.js';

export const verb = defineVerb({
  async run(_options, ctx, [shell]) {
    if (!shell) throw new UsageError('missing shell: vmx completion bash|zsh|fish');
    if (!Object.hasOwn(scripts, shell)) throw new UsageError(`unknown shell '${shell}': expected bash, zsh or fish`);
    ctx.out.stdout.write(scripts[shell as Shell]);
  },
});
