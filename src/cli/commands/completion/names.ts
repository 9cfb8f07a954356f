import { existsSync } from 'node:fs';
import { providerIds } from '../../../providers/registry.js';
import type { Repositories } from '../../../store/backend.js';
import type { CliContext } from '../../context.js';
import type { GivenFlags, Slot } from './candidates.js';

/** Words a flag's value can be that do not come from the store. */
const FIXED_VALUES: Record<string, readonly string[]> = {
  '--provider': providerIds,
  '--by': ['resource', 'model', 'connection', 'provider', 'key', 'minute', 'hour', 'day', 'week'],
  '--role': ['member', 'owner'],
  '--dialect': ['chat', 'responses', 'messages'],
};

/** The entity a verb's first argument names, by noun; verbs that make a new one name nothing yet. */
const ARGUMENT_ENTITY: Record<string, Entity> = {
  workspace: 'workspaces',
  env: 'environments',
  connection: 'connections',
  resource: 'resources',
  key: 'keys',
  member: 'members',
  pool: 'pools',
};
const CREATING = new Set(['create', 'add', 'new']);

type Entity = 'workspaces' | 'environments' | 'connections' | 'resources' | 'keys' | 'members' | 'pools';

/** The flags whose value names an entity; a model is `<connection>/<model>`, so its connection is offered. */
const FLAG_ENTITY: Record<string, Entity> = {
  '--workspace': 'workspaces',
  '--env': 'environments',
  '--resource': 'resources',
  '--key': 'keys',
  '--connection': 'connections',
  '--model': 'connections',
  '--fallback': 'connections',
  '--secondary': 'connections',
};

/** The words that fit the slot: fixed ones, or names read from the store (never the daemon). */
export async function namesFor(slot: Slot, given: GivenFlags, ctx: CliContext): Promise<string[]> {
  switch (slot.kind) {
    case 'commands':
    case 'flags':
      return slot.names;
    case 'none':
      return [];
    case 'value': {
      if (FIXED_VALUES[slot.flag]) return [...FIXED_VALUES[slot.flag]!];
      const entity = FLAG_ENTITY[slot.flag];
      if (!entity) return [];
      const names = await entityNames(entity, given, ctx);
      return entity === 'connections' && slot.flag !== '--connection' ? names.map((n) => `${n}/`) : names;
    }
    case 'argument':
      return argumentNames(slot, given, ctx);
  }
}

async function argumentNames(slot: Extract<Slot, { kind: 'argument' }>, given: GivenFlags, ctx: CliContext) {
  const [noun, verb] = slot.path;
  if (noun === 'completion' && slot.index === 0) return ['bash', 'zsh', 'fish'];
  if (noun === 'use' && slot.index === 0) return contexts(ctx);
  if (noun === 'member' && verb === 'set-role' && slot.index === 1) return [...FIXED_VALUES['--role']!];
  const entity = noun ? ARGUMENT_ENTITY[noun] : undefined;
  if (!entity || !verb || CREATING.has(verb) || slot.index > 0) return [];
  return entityNames(entity, given, ctx);
}

/** `vmx use` takes a workspace or `<workspace>/<env>`. */
async function contexts(ctx: CliContext): Promise<string[]> {
  const store = await openIfThere(ctx);
  if (!store) return [];
  const names: string[] = [];
  for (const ws of await store.workspaces.listForUser(ctx.user)) {
    names.push(ws.name, ...(await store.environments.list(ws.id)).map((e) => `${ws.name}/${e.name}`));
  }
  return names;
}

/**
 * Names of one kind of entity in the scope the command line would act on: `-w`/`-e` as typed, else
 * VMX_WORKSPACE/VMX_ENV, else the current context. Only workspaces the acting user is a member of.
 */
async function entityNames(entity: Entity, given: GivenFlags, ctx: CliContext): Promise<string[]> {
  const store = await openIfThere(ctx);
  if (!store) return [];
  if (entity === 'workspaces') return (await store.workspaces.listForUser(ctx.user)).map((w) => w.name);
  const context = ctx.settings().context;
  const wsRef = given['--workspace'] ?? ctx.deps.env.VMX_WORKSPACE ?? context?.workspace;
  const workspace = wsRef ? await store.workspaces.find(wsRef) : undefined;
  if (!workspace || !(await store.members.get(workspace.id, ctx.user))) return [];
  if (entity === 'members') return (await store.members.list(workspace.id)).map((m) => m.user);
  if (entity === 'environments') return (await store.environments.list(workspace.id)).map((e) => e.name);
  const sameWorkspace = context?.workspace === workspace.id || context?.workspace === workspace.name;
  const envRef = given['--env'] ?? ctx.deps.env.VMX_ENV ?? (sameWorkspace ? context?.environment : undefined);
  const env = envRef ? await store.environments.find(workspace.id, envRef) : undefined;
  if (!env) return [];
  const lists = {
    connections: () => store.connections.list(env.id),
    resources: () => store.resources.list(env.id),
    keys: () => store.apiKeys.list(env.id),
    pools: () => store.pools.list(env.id),
  };
  return (await lists[entity]()).map((e) => e.name);
}

/** The store, unless there is none yet: completing a word never creates a database. */
async function openIfThere(ctx: CliContext): Promise<Repositories | undefined> {
  if (!ctx.storeUrls().databaseUrl && !existsSync(ctx.paths.db)) return undefined;
  return ctx.store();
}
