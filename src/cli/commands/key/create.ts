import { UsageError } from '../../../errors.js';
import { parseLimits } from '../../../gateway/capacity/limits.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../../gateway/key-material.js';
import { parseMoment } from '../../../durations.js';
import { nameSchema, parseInput } from '../../input.js';
import { findResource } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, list, text, toggle } from '../../verb.js';
import { z } from '../../zod.js';
import { keyView } from './view.js';

export const verb = defineVerb({
  flags: {
    resource: list('--resource <name|id>', 'a resource this key may call (repeatable; default: all)'),
    limit: list('--limit <spec>', 'capacity for this key, e.g. 60r/m or 100000t/d (repeatable)'),
    expires: text('--expires <when>', 'expiry as a duration (30d, 12h) or a date (2027-01-31)'),
    description: text('--description <text>', 'what the key is for'),
    allowOverrides: toggle(
      '--allow-overrides',
      "its requests' vmx.resourceConfigOverrides may lift resource limits and drop block rules",
    ),
  },
  async run(flags, ctx, [name]) {
    const input = {
      ...flags,
      ...parseInput(
        z.object({ name: nameSchema }),
        { name: await required(ctx, name, '<name>', 'Key name') },
        { name: '<name>' },
      ),
    };
    const capacity = parseLimits(input.limit ?? []);
    const expiresAt = input.expires ? parseMoment(input.expires, '--expires') : null;
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw new UsageError(`invalid --expires '${input.expires}': in the past`);

    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const resources = input.resource
      ? [...new Set(await Promise.all(input.resource.map(async (ref) => (await findResource(scope, store, ref)).id)))]
      : null;
    const key = generateApiKey();
    const created = await store.apiKeys.create({
      environmentId: scope.environment.id,
      name: input.name,
      description: input.description,
      keyHash: hashApiKey(key),
      maskedKey: maskApiKey(key),
      resources,
      capacity,
      expiresAt: expiresAt?.toISOString() ?? null,
      allowOverrides: input.allowOverrides ?? false,
      user: ctx.user,
    });
    const view = keyView(created, await store.resources.list(scope.environment.id));
    if (ctx.out.json) {
      ctx.out.writeJson({ ...view, key });
      return;
    }
    ctx.out.success(`Created API key ${view.name}`);
    const line = `  ${key}  `;
    ctx.out.message(`┌${'─'.repeat(line.length)}┐\n│${line}│\n└${'─'.repeat(line.length)}┘`);
    ctx.out.message('Copy this key now: vmx stores only its hash and cannot show it again.');
    ctx.out.object({
      id: view.id,
      name: view.name,
      resources: view.resourceNames ?? 'all',
      limits: view.limits,
      expiresAt: view.expiresAt,
      ...(created.allowOverrides && { overrides: 'may lift resource limits and block rules' }),
    });
  },
});
