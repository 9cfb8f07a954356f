import { UsageError } from '../../../errors.js';
import type { RegisteredProvider } from '../../../providers/registry.js';
import { parseLimits } from '../../../gateway/capacity/limits.js';
import { singleModelResource } from '../../../store/repos/resources.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../../gateway/key-material.js';
import type { CliContext } from '../../context.js';
import { nameSchema, parseInput } from '../../input.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb, text, type Options } from '../../verb.js';
import { z } from '../../zod.js';
import { chooseProvider } from '../connection/choose-provider.js';
import { newConnectionFlags } from '../connection/config-flags.js';
import { buildConfig, type ConfigFlags } from '../connection/config.js';
import { collectSecret } from '../connection/secret.js';
import { sdkSnippets } from './snippets.js';

const initFlags = {
  ...newConnectionFlags,
  connection: text('--connection <name>', 'connection name (default: the provider id)'),
  model: text('--model <model>', "provider model id (default: the provider's default model)"),
  resource: text('--resource <name>', 'resource name clients send as model (default: chat)'),
  key: text('--key <name>', 'API key name (default: local)'),
  port: text('--port <port>', 'port the snippet points at (default: 3000)'),
  host: text('--host <host>', 'host the snippet points at (default: 127.0.0.1)'),
};

type InitFlags = Options<typeof initFlags>;

/**
 * The first run: workspace, environment, connection (+ secret), resource and key, then the base URL
 * and SDK snippets. On a TTY it asks for what the flags leave open; without one, flags and defaults.
 * An existing workspace or environment of that name is reused (when the user may write to it).
 */
export const verb = defineVerb({
  flags: initFlags,
  async run(flags, ctx) {
    const setup = await askSetup(ctx, flags);
    const key = generateApiKey();
    const created = await createAll(ctx, setup, key);
    ctx.saveSettings({
      ...ctx.settings(),
      context: { workspace: created.workspace.id, environment: created.environment.id },
    });
    report(ctx, setup, created, key, flags.host ?? '127.0.0.1');
  },
});

/** Everything the first run creates, as the flags and the answers give it, checked before anything is written. */
async function askSetup(ctx: CliContext, flags: InitFlags) {
  const ask = (question: string, given: string | undefined, fallback: string) =>
    given !== undefined ? given : ctx.canPrompt ? ctx.prompter.input(question, { default: fallback }) : fallback;
  // Asked in this order, then checked together.
  const asked = {
    workspace: await ask('Workspace', ctx.flags.workspace, 'default'),
    environment: await ask('Environment', ctx.flags.env, 'dev'),
  };
  const provider = await chooseProvider(ctx, flags.provider);
  const names = parseInput(
    z.object({
      workspace: nameSchema,
      environment: nameSchema,
      connection: nameSchema,
      resource: nameSchema,
      key: nameSchema,
    }),
    {
      ...asked,
      connection: await ask('Connection name', flags.connection, provider.id),
      resource: await ask('Resource name (what clients send as model)', flags.resource, 'chat'),
      key: await ask('API key name', flags.key, 'local'),
    },
    { workspace: '-w/--workspace', environment: '-e/--env' },
  );
  const config = buildConfig(provider, await askProviderSettings(ctx, provider, flags));
  const model = await ask('Model', flags.model, provider.defaultModel);
  const port = Number(flags.port ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`invalid --port '${flags.port}'`);
  const capacity = parseLimits(flags.limit ?? []);
  const secret = await collectSecret(ctx, provider, names.connection, flags, 'add');
  return { names, provider, config, model, port, capacity, secret };
}

type Setup = Awaited<ReturnType<typeof askSetup>>;

/** Creates (or, for the workspace and environment, reuses) every record in one transaction. */
async function createAll(ctx: CliContext, setup: Setup, key: string) {
  const { names, provider, config, model, capacity, secret } = setup;
  const store = await ctx.store();
  const existing = await store.workspaces.find(names.workspace);
  if (existing) await resolveWorkspace(ctx, 'write', existing.id);
  return store.transaction(async (tx) => {
    const workspace = existing ?? (await tx.workspaces.create({ name: names.workspace, user: ctx.user }));
    const environment =
      (await tx.environments.find(workspace.id, names.environment)) ??
      (await tx.environments.create({
        workspaceId: workspace.id,
        workspaceName: workspace.name,
        name: names.environment,
        user: ctx.user,
      }));
    const connection = await tx.connections.create({
      environmentId: environment.id,
      name: names.connection,
      provider: provider.id,
      config,
      capacity,
      user: ctx.user,
    });
    const resource = await tx.resources.create(
      environment.id,
      singleModelResource(names.resource, { connectionId: connection.id, model }),
      ctx.user,
    );
    const apiKey = await tx.apiKeys.create({
      environmentId: environment.id,
      name: names.key,
      keyHash: hashApiKey(key),
      maskedKey: maskApiKey(key),
      resources: null,
      capacity: [],
      expiresAt: null,
      user: ctx.user,
    });
    if (secret) await (await ctx.secrets(tx)).write(connection.id, secret);
    return { workspace, environment, connection, resource, apiKey };
  });
}

/** What was made, the key (shown once), the base URLs and the SDK snippets. */
function report(
  ctx: CliContext,
  setup: Setup,
  created: Awaited<ReturnType<typeof createAll>>,
  key: string,
  host: string,
) {
  const { port, model, provider } = setup;
  const urls = sdkSnippets({
    host,
    port,
    workspace: created.workspace.name,
    environment: created.environment.name,
    resource: created.resource.name,
  });
  if (ctx.out.json) {
    ctx.out.writeJson({
      workspace: created.workspace,
      environment: created.environment,
      connection: created.connection,
      resource: created.resource,
      apiKey: { ...created.apiKey, key },
      ...urls,
    });
    return;
  }
  ctx.out.message(
    [
      `Created ${created.workspace.name}/${created.environment.name}: connection ${created.connection.name} (${provider.label}), resource ${created.resource.name} → ${model}, key ${created.apiKey.name}.`,
      `This is now the current context (vmx use ${created.workspace.name}/${created.environment.name}).`,
      '',
      'Your API key (shown once, vmx keeps only its hash):',
      `  export VMX_API_KEY=${key}`,
      '',
      `Start the gateway with \`vmx serve\`${port === 3000 ? '' : ` --port ${port}`}, then point an SDK at it:`,
      `  OpenAI base URL:    ${urls.baseUrl}`,
      `  Anthropic base URL: ${urls.anthropicBaseUrl}`,
      '',
      urls.snippets.openai,
      '',
      urls.snippets.anthropic,
      '',
      urls.snippets.curl,
    ].join('\n'),
  );
}

/** On a TTY, the provider settings a flag did not give and the provider needs (its setup questions). */
async function askProviderSettings(
  ctx: CliContext,
  provider: RegisteredProvider,
  flags: ConfigFlags,
): Promise<ConfigFlags> {
  if (!ctx.canPrompt) return flags;
  const settings = { ...flags };
  for (const { setting, question, default: fallback } of provider.questions ?? []) {
    const given = setting === 'baseUrl' ? settings.baseUrl || settings.endpoint : settings[setting];
    if (!given) settings[setting] = await ctx.prompter.input(question, { default: fallback });
  }
  return settings;
}
