import { z } from 'zod';
import { UsageError } from '../../../errors.js';
import { isProviderId, providers } from '../../../providers/registry.js';
import { parseLimits } from '../../../store/capacity.js';
import { nameSchema, parseInput } from '../../input.js';
import { findConnection } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';
import { buildConfig } from './config.js';
import { parsePrices } from './prices.js';
import { collectSecret } from './secret.js';
import { connectionView, secretFieldsOf } from './view.js';

export const run: VerbRun = async (ctx, [ref], flags) => {
  const input = parseInput(
    z.object({ name: nameSchema.optional(), description: z.string().optional(), limit: z.array(z.string()).optional(), price: z.array(z.string()).optional() }),
    flags,
  );
  const scope = await resolveEnvironment(ctx, 'write');
  const store = await ctx.store();
  const connection = findConnection(scope, store, await required(ctx, ref, '<connection>', 'Connection to update'));
  if (!isProviderId(connection.provider)) throw new UsageError(`connection '${connection.name}' has an unknown provider`);
  const provider = providers[connection.provider];
  const config = buildConfig(provider, flags, connection.config);
  const capacity = input.limit ? parseLimits(input.limit) : connection.capacity;
  const prices = input.price ? parsePrices(input.price) : connection.prices;
  const secret = await collectSecret(ctx, provider, input.name ?? connection.name, flags, 'update');

  const secrets = await ctx.secrets();
  const updated = store.transaction(() => {
    const next = store.connections.update(
      connection,
      {
        name: input.name,
        description: input.description === undefined ? undefined : input.description || null,
        config,
        capacity,
        prices,
      },
      ctx.user,
    );
    // A new secret replaces the stored one; without one the stored secret stays.
    if (secret) secrets.write(connection.id, secret);
    return next;
  });
  ctx.out.object(connectionView(updated, secrets.status(updated, secretFieldsOf(updated.provider))));
};
