import { UsageError } from '../../../errors.js';
import { isProviderId, providerIds, providers, type RegisteredProvider } from '../../../providers/registry.js';
import type { CliContext } from '../../context.js';

/** The provider `--provider` names, else the one picked on a TTY; a usage error without either. */
export async function chooseProvider(ctx: CliContext, given: string | undefined): Promise<RegisteredProvider> {
  if (given !== undefined) {
    if (!isProviderId(given))
      throw new UsageError(`invalid --provider '${given}': expected one of ${providerIds.join(', ')}`);
    return providers[given];
  }
  if (!ctx.canPrompt) throw new UsageError('missing required flag --provider');
  const id = await ctx.prompter.select(
    'Provider',
    providerIds.map((p) => ({ name: providers[p].label, value: p })),
  );
  return providers[id];
}
