import { connectionSecretFields } from '../../../providers/registry.js';
import { parseLimits } from '../../../gateway/capacity/limits.js';
import { nameSchema, parseInput } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { z } from '../../zod.js';
import { chooseProvider } from './choose-provider.js';
import { newConnectionFlags } from './config-flags.js';
import { buildConfig } from './config.js';
import { parsePrices } from './prices.js';
import { collectSecret } from './secret.js';
import { connectionView } from './view.js';

export const verb = defineVerb({
  flags: newConnectionFlags,
  async run(flags, ctx, [given]) {
    const { name } = parseInput(
      z.object({ name: nameSchema }),
      { name: await required(ctx, given, '<name>', 'Connection name') },
      { name: '<name>' },
    );
    const provider = await chooseProvider(ctx, flags.provider);
    const config = buildConfig(provider, flags);
    const capacity = parseLimits(flags.limit ?? []);
    const prices = parsePrices(flags.price ?? []);
    const scope = await resolveEnvironment(ctx, 'write');
    const secret = await collectSecret(ctx, provider, name, flags, 'add');

    const store = await ctx.store();
    const secrets = secret ? await ctx.secrets() : undefined;
    // The row and the keychain entry (credential and header values) go together: if the keychain
    // refuses, the row is rolled back.
    const connection = await store.transaction(async (tx) => {
      const created = await tx.connections.create({
        environmentId: scope.environment.id,
        name,
        description: flags.description,
        provider: provider.id,
        config,
        capacity,
        prices,
        user: ctx.user,
      });
      if (secret) await (await ctx.secrets(tx)).write(created.id, secret);
      return created;
    });
    ctx.out.success(`Created connection ${connection.name}`);
    ctx.out.object(connectionView(connection, await secrets?.status(connection, connectionSecretFields(connection))));
  },
});
