import { z } from 'zod';
import { UsageError } from '../../../errors.js';
import {
  connectionSecretFields,
  isProviderId,
  providerIds,
  providers,
  type ProviderInfo,
} from '../../../providers/registry.js';
import { parseLimits } from '../../../gateway/capacity/limits.js';
import { nameSchema, parseInput } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';
import { buildConfig } from './config.js';
import { parsePrices } from './prices.js';
import { collectSecret } from './secret.js';
import { connectionView } from './view.js';

export const run: VerbRun = async (ctx, [name], flags) => {
  const input = parseInput(
    z.object({
      name: nameSchema,
      description: z.string().optional(),
      limit: z.array(z.string()).optional(),
      price: z.array(z.string()).optional(),
    }),
    { ...flags, name: await required(ctx, name, '<name>', 'Connection name') },
    { name: '<name>' },
  );
  const provider = await chooseProvider(ctx, flags.provider as string | undefined);
  const config = buildConfig(provider, flags);
  const capacity = parseLimits(input.limit ?? []);
  const prices = parsePrices(input.price ?? []);
  const scope = await resolveEnvironment(ctx, 'write');
  const secret = await collectSecret(ctx, provider, input.name, flags, 'add');

  const store = await ctx.store();
  const secrets = secret ? await ctx.secrets() : undefined;
  // The row and the keychain entry (credential and header values) go together: if the keychain
  // refuses, the row is rolled back.
  const connection = store.transaction(() => {
    const created = store.connections.create({
      environmentId: scope.environment.id,
      name: input.name,
      description: input.description,
      provider: provider.id,
      config,
      capacity,
      prices,
      user: ctx.user,
    });
    if (secret) secrets!.write(created.id, secret);
    return created;
  });
  ctx.out.object(connectionView(connection, secrets?.status(connection, connectionSecretFields(connection))));
};

async function chooseProvider(ctx: Parameters<VerbRun>[0], given: string | undefined): Promise<ProviderInfo> {
  if (given !== undefined) {
    if (!isProviderId(given))
      throw new UsageError(`invalid --provider '${given}': expected one of ${providerIds.join(', ')}`);
    return providers[given];
  }
  if (!ctx.canPrompt) throw new UsageError('missing required flag --provider');
  const id = await ctx.prompter.select(
    'Provider',
    providerIds.map((p) => ({ name: providers[p].displayName, value: p })),
  );
  return providers[id];
}
