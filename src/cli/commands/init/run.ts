import { UsageError } from '../../../errors.js';
import { parseLimits } from '../../../gateway/capacity/limits.js';
import { singleModelResource } from '../../../store/repos/resources.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../../gateway/key-material.js';
import type { CliContext } from '../../context.js';
import { defineVerb, text, toggle, type Options } from '../../verb.js';
import { chooseProvider } from '../connection/choose-provider.js';
import { newConnectionFlags } from '../connection/config-flags.js';
import { runningDaemon } from '../daemon/daemon-process.js';
import { draftConnection, testedConnection, type ConnectionDraft } from './connection-check.js';
import { chooseEnvironment, chooseName, chooseWorkspace } from './names.js';
import { report } from './report.js';

const initFlags = {
  ...newConnectionFlags,
  connection: text('--connection <name>', 'connection name (default: the provider id)'),
  model: text('--model <model>', "provider model id (default: the provider's default model)"),
  resource: text('--resource <name>', 'resource name clients send as model (default: chat)'),
  key: text('--key <name>', 'API key name (default: local)'),
  port: text('--port <port>', "port the snippet points at (default: the running daemon's, else 3000)"),
  host: text('--host <host>', 'host the snippet points at (default: 127.0.0.1)'),
  skipTest: toggle('--skip-test', 'save the connection without testing it first (e.g. the server is not up yet)'),
};

type InitFlags = Options<typeof initFlags>;

/**
 * The first run: workspace, environment, connection (+ secret), resource and key, then the base URL
 * and SDK snippets. On a TTY it asks for what the flags leave open, checking each name as it is typed;
 * without one, flags and defaults. An existing workspace or environment of that name is reused (when
 * the user may write to it; a TTY asks first). The connection is tested before anything is saved.
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
    report(ctx, {
      ...created,
      provider: setup.provider,
      model: setup.model,
      port: setup.port,
      key,
      host: flags.host ?? '127.0.0.1',
      running: setup.daemon?.port === setup.port,
    });
  },
});

/** Everything the first run creates, as the flags and the answers give it, checked before anything is written. */
async function askSetup(ctx: CliContext, flags: InitFlags) {
  // A daemon already running for this data dir serves the new setup as soon as it is saved: the
  // snippets point at its port.
  const daemon = runningDaemon(ctx.paths);
  const port = Number(flags.port ?? daemon?.port ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`invalid --port '${flags.port}'`);
  const capacity = parseLimits(flags.limit ?? []);
  const workspace = await chooseWorkspace(ctx);
  const environment = await chooseEnvironment(ctx, workspace);
  const taken = await takenNames(ctx, environment.existing?.id);
  const where = `${workspace.name}/${environment.name}`;
  const provider = await chooseProvider(ctx, flags.provider);
  const connection = await chooseName(ctx, {
    what: 'connection',
    question: 'Connection name',
    flag: '--connection',
    given: flags.connection,
    fallback: provider.id,
    taken: taken.connections,
    where,
  });
  // Names given as flags (all of them, without a TTY) are checked before the connection is tested,
  // so a duplicate fails at once; on a TTY the others are asked once the connection works.
  const early = !ctx.canPrompt;
  const resourceFirst =
    flags.resource !== undefined || early ? await resourceName(ctx, flags, taken, where) : undefined;
  const keyFirst = flags.key !== undefined || early ? await keyName(ctx, flags, taken, where) : undefined;
  const draft = await draftConnection(ctx, provider, connection, flags);
  const tested = flags.skipTest ? draft : await testedConnection(ctx, provider, connection, flags, draft);
  const resource = resourceFirst ?? (await resourceName(ctx, flags, taken, where));
  const key = keyFirst ?? (await keyName(ctx, flags, taken, where));
  return {
    names: { workspace: workspace.name, environment: environment.name, connection, resource, key },
    workspace,
    provider,
    port,
    daemon,
    capacity,
    ...tested,
  };
}

export type Setup = Awaited<ReturnType<typeof askSetup>>;

/** The names of what the environment already has; a new environment has none. */
async function takenNames(ctx: CliContext, environmentId: string | undefined) {
  const store = await ctx.store();
  const names = async (list: Promise<Array<{ name: string }>>) => new Set((await list).map((row) => row.name));
  if (!environmentId) return { connections: new Set<string>(), resources: new Set<string>(), keys: new Set<string>() };
  return {
    connections: await names(store.connections.list(environmentId)),
    resources: await names(store.resources.list(environmentId)),
    keys: await names(store.apiKeys.list(environmentId)),
  };
}

const resourceName = (ctx: CliContext, flags: InitFlags, taken: { resources: Set<string> }, where: string) =>
  chooseName(ctx, {
    what: 'resource',
    question: 'Resource name (what clients send as model)',
    flag: '--resource',
    given: flags.resource,
    fallback: 'chat',
    taken: taken.resources,
    where,
  });

const keyName = (ctx: CliContext, flags: InitFlags, taken: { keys: Set<string> }, where: string) =>
  chooseName(ctx, {
    what: 'API key',
    question: 'API key name',
    flag: '--key',
    given: flags.key,
    fallback: 'local',
    taken: taken.keys,
    where,
  });

/** Creates (or, for the workspace and environment, reuses) every record in one transaction. */
async function createAll(ctx: CliContext, setup: Setup & ConnectionDraft, key: string) {
  const { names, provider, config, model, capacity, secret } = setup;
  const store = await ctx.store();
  // The workspace chosen to be reused: its role was checked when it was chosen.
  const existing = setup.workspace.existing;
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
