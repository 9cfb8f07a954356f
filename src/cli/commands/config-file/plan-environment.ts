import { generateApiKey, hashApiKey, maskApiKey } from '../../../gateway/key-material.js';
import { ConflictError } from '../../../errors.js';
import { isProviderId, providers } from '../../../providers/registry.js';
import { connectionEnvVar } from '../../../store/credentials/index.js';
import type { Repositories } from '../../../store/backend.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { Environment } from '../../../store/repos/environments.js';
import { referencedConnectionIds } from '../../../store/repos/resources.js';
import { describeEnvironment, namesOf } from './describe.js';
import type { ConnectionSpec, EnvironmentSpec, KeySpec, PoolSpec, ResourceSpec } from './format.js';
import {
  checkUnique,
  environmentNamed,
  fieldChanges,
  workspaceNamed,
  type Change,
  type FieldChange,
  type PlanContext,
} from './plan.js';
import type { FilePath } from './read-file.js';
import { canonical, connectionFields, keyFields, poolFields, resourceFields, type Names } from './specs.js';

/** Names of the file's and the store's entities of one kind, each its own id: the file's spelling, checked. */
function knownNames(...lists: Array<ReadonlyArray<{ name: string }>>): Names {
  const names = new Set(lists.flat().map((e) => e.name));
  return { nameOf: (id) => id, idOf: (name) => (names.has(name) ? name : undefined) };
}

type Kind = 'connection' | 'resource' | 'key' | 'pool';

/** One environment being planned: the file's and the store's view of it, and how its changes are made. */
interface EnvironmentPlan {
  pc: PlanContext;
  current: EnvironmentSpec;
  /** The store's connections, for their stored secrets. */
  rows: readonly Connection[];
  connectionNames: Names;
  resourceNames: Names;
  label(name?: string): string;
  /** The environment as the transaction sees it (made earlier in the same apply, maybe). */
  environmentOf(tx: Repositories): Promise<Environment>;
}

/** One entity's change, made from its spec in the file, its current spec (if any) and its place in the file. */
type Planner<S> = (ep: EnvironmentPlan, spec: S, now: S | undefined, where: FilePath) => Promise<Change | undefined>;

const change = (
  ep: EnvironmentPlan,
  action: Change['action'],
  kind: Kind,
  name: string,
  fields: FieldChange[],
  run: Change['run'],
): Change => ({
  action,
  kind,
  label: ep.label(name),
  fields,
  run,
});

/**
 * The changes of one environment, in the order they are applied: the environment, pools and keys the
 * file drops (--prune), connections, resources, pools, keys, then dropped resources and connections
 * (so that nothing is removed while something kept still points at it).
 */
export async function planEnvironment(
  workspace: string,
  spec: EnvironmentSpec,
  existing: Environment | undefined,
  path: FilePath,
  pc: PlanContext,
): Promise<Change[]> {
  const current = existing
    ? await describeEnvironment(pc.store, existing, undefined)
    : { name: spec.name, connections: [], resources: [], keys: [], pools: [] };
  const ep: EnvironmentPlan = {
    pc,
    current,
    rows: existing ? await pc.store.connections.list(existing.id) : [],
    connectionNames: knownNames(spec.connections ?? [], current.connections ?? []),
    resourceNames: knownNames(spec.resources ?? [], current.resources ?? []),
    label: (name) => `${workspace}/${spec.name}${name === undefined ? '' : `/${name}`}`,
    environmentOf: (tx) => environmentNamed(tx, workspace, spec.name),
  };
  const head = planEnvironmentRow(workspace, spec, existing, ep);
  const each = async <L extends 'connections' | 'resources' | 'pools' | 'keys'>(
    list: L,
    planner: Planner<NonNullable<EnvironmentSpec[L]>[number]>,
  ) => {
    const entities = (spec[list] ?? []) as Array<NonNullable<EnvironmentSpec[L]>[number]>;
    checkUnique(entities, (e) => e.name, [...path, list], pc);
    const changes: Change[] = [];
    for (const [index, entity] of entities.entries()) {
      const now = (current[list] as typeof entities | undefined)?.find((e) => e.name === entity.name);
      const planned = await planner(ep, entity, now, [...path, list, index]);
      if (planned) changes.push(planned);
    }
    return changes;
  };
  const upserts = [
    ...(await each('connections', planConnection)),
    ...(await each('resources', planResource)),
    ...(await each('pools', planPool)),
    ...(await each('keys', planKey)),
  ];
  if (!pc.prune || !existing) return [...head, ...upserts];
  const removals = (kind: Kind, list: 'connections' | 'resources' | 'keys' | 'pools') =>
    spec[list] === undefined
      ? []
      : (current[list] ?? [])
          .filter((now) => !(spec[list] ?? []).some((e) => e.name === now.name))
          .map((now) =>
            change(ep, 'delete', kind, now.name, [], async (tx) =>
              remove(tx, kind, await ep.environmentOf(tx), now.name, pc),
            ),
          );
  return [
    ...head,
    ...removals('pool', 'pools'),
    ...removals('key', 'keys'),
    ...upserts,
    ...removals('resource', 'resources'),
    ...removals('connection', 'connections'),
  ];
}

/** The environment itself: made when missing, its description updated when it differs. */
function planEnvironmentRow(
  workspace: string,
  spec: EnvironmentSpec,
  existing: Environment | undefined,
  ep: EnvironmentPlan,
): Change[] {
  const fields = fieldChanges({ description: ep.current.description }, { description: spec.description });
  if (existing && fields.length === 0) return [];
  const { user } = ep.pc;
  const run: Change['run'] = async (tx) => {
    if (existing) {
      await tx.environments.update(existing, workspace, { description: spec.description ?? null }, user);
      return;
    }
    const w = await workspaceNamed(tx, workspace);
    const { name, description } = spec;
    await tx.environments.create({ workspaceId: w.id, workspaceName: w.name, name, description, user });
  };
  return [{ action: existing ? 'update' : 'create', kind: 'environment', label: ep.label(), fields, run }];
}

const planResource: Planner<ResourceSpec> = async (ep, spec, now, where) => {
  const { pc } = ep;
  const diff = fieldChanges(now ?? {}, canonical.resource(spec, ep.connectionNames, pc.locate, where), ['name']);
  if (now && diff.length === 0) return undefined;
  return change(ep, now ? 'update' : 'create', 'resource', spec.name, diff, async (tx) => {
    const environment = await ep.environmentOf(tx);
    const fields = resourceFields(spec, namesOf(await tx.connections.list(environment.id)), pc.locate, where);
    const row = await tx.resources.find(environment.id, spec.name);
    if (row) await tx.resources.update(row, fields, pc.user);
    else await tx.resources.create(environment.id, fields, pc.user);
  });
};

const planPool: Planner<PoolSpec> = async (ep, spec, now, where) => {
  const { pc } = ep;
  const diff = fieldChanges(now ?? {}, canonical.pool(spec, ep.resourceNames, pc.locate, where), ['name']);
  if (now && diff.length === 0) return undefined;
  return change(ep, now ? 'update' : 'create', 'pool', spec.name, diff, async (tx) => {
    const environment = await ep.environmentOf(tx);
    const fields = poolFields(spec, namesOf(await tx.resources.list(environment.id)), pc.locate, where);
    await tx.pools.set({ environmentId: environment.id, ...fields, user: pc.user });
  });
};

/** A connection's create or update, its secret read from the variable `apiKeyEnv` names (written last). */
const planConnection: Planner<ConnectionSpec> = async (ep, spec, now, where) => {
  const { pc } = ep;
  const desired = canonical.connection(spec, pc.locate, where);
  if (now && now.provider !== desired.provider) {
    throw pc.locate(
      [...where, 'provider'],
      `connection '${spec.name}' is a ${now.provider} connection; its provider cannot change`,
    );
  }
  const diff = fieldChanges(now ?? {}, desired, ['name', 'apiKeyEnv']);
  const row = ep.rows.find((r) => r.name === spec.name);
  const secret = await planSecret(spec, row, where, pc);
  if (secret) diff.push({ field: 'secret', from: row ? '********' : undefined, to: `from $${spec.apiKeyEnv}` });
  if (now && diff.length === 0) return undefined;
  return change(ep, now ? 'update' : 'create', 'connection', spec.name, diff, async (tx) => {
    const environment = await ep.environmentOf(tx);
    const fields = connectionFields(spec, pc.locate, where);
    const existing = await tx.connections.find(environment.id, spec.name);
    const saved = existing
      ? await tx.connections.update(existing, fields, pc.user)
      : await tx.connections.create({ environmentId: environment.id, name: spec.name, ...fields, user: pc.user });
    if (secret) pc.beforeCommit.push(async (last) => (await pc.secrets(last)).write(saved.id, secret));
  });
};

/**
 * The secret entry to write (the stored one with the file's credential) when the file's variable holds a
 * value the store does not have yet; undefined when there is nothing to write. A new connection whose
 * provider requires a secret and gets none is refused.
 */
async function planSecret(spec: ConnectionSpec, row: Connection | undefined, where: FilePath, pc: PlanContext) {
  if (!isProviderId(spec.provider)) return undefined;
  const provider = providers[spec.provider];
  const value = spec.apiKeyEnv ? pc.env[spec.apiKeyEnv] : undefined;
  if (spec.apiKeyEnv && provider.secretFields.includes('accessKeyId')) {
    throw pc.locate(
      [...where, 'apiKeyEnv'],
      `apiKeyEnv does not apply to ${spec.provider} (a key pair): set it with \`vmx connection update --aws-access-key-id\``,
    );
  }
  if (!value) {
    const override = connectionEnvVar(spec.name, provider.secret.field);
    if (row || !provider.secret.required || pc.env[override]) return undefined;
    const hint = spec.apiKeyEnv ? `$${spec.apiKeyEnv} is not set` : 'give apiKeyEnv: <VAR>';
    throw pc.locate(where, `connection '${spec.name}' needs its ${provider.secret.label}: ${hint}`);
  }
  // The stored entry, not what an override variable (maybe the very one named) says at run time.
  const stored = row ? await (await pc.secrets()).stored(row.id) : {};
  if (stored[provider.secret.field] === value) return undefined;
  return { ...stored, [provider.secret.field]: value };
}

/**
 * A key the file names: made when missing (its secret printed once after the apply), enabled or
 * disabled when that is all that differs. The rest of a key is fixed when it is made.
 */
const planKey: Planner<KeySpec> = async (ep, spec, now, where) => {
  const { pc } = ep;
  const desired = canonical.key(spec, ep.resourceNames, pc.locate, where);
  const diff = fieldChanges(now ?? {}, desired, ['name']);
  if (now && diff.length === 0) return undefined;
  const fixed = diff.filter((d) => d.field !== 'enabled');
  if (now && fixed.length > 0) {
    throw pc.locate(
      [...where, fixed[0]!.field],
      `key '${spec.name}' cannot change ${fixed.map((d) => d.field).join(', ')}: a key is fixed when it is made (revoke it with \`vmx key revoke\` and apply again for a new one)`,
    );
  }
  return change(ep, now ? 'update' : 'create', 'key', spec.name, diff, async (tx) => {
    const environment = await ep.environmentOf(tx);
    const row = await tx.apiKeys.find(environment.id, spec.name);
    const names = namesOf(await tx.resources.list(environment.id));
    const fields = keyFields(spec, names, pc.locate, where);
    if (row) {
      await tx.apiKeys.setEnabled(row, fields.enabled, pc.user);
      return;
    }
    const key = generateApiKey();
    const made = await tx.apiKeys.create({
      environmentId: environment.id,
      ...fields,
      keyHash: hashApiKey(key),
      maskedKey: maskApiKey(key),
      user: pc.user,
    });
    if (!fields.enabled) await tx.apiKeys.setEnabled(made, false, pc.user);
    pc.newKeys.push({ label: ep.label(spec.name), key });
  });
};

/** Removes what the file no longer names, as `vmx <noun> remove` does. */
async function remove(tx: Repositories, kind: Kind, environment: Environment, name: string, pc: PlanContext) {
  const id = environment.id;
  if (kind === 'pool') return tx.pools.delete((await tx.pools.find(id, name))!.id);
  if (kind === 'key') return tx.apiKeys.delete((await tx.apiKeys.find(id, name))!.id);
  if (kind === 'resource') {
    const resource = (await tx.resources.find(id, name))!;
    await tx.apiKeys.forgetResource(id, resource.id);
    await tx.pools.forgetResource(id, resource.id);
    return tx.resources.delete(resource.id);
  }
  const connection = (await tx.connections.find(id, name))!;
  const users = (await tx.resources.list(id)).filter((r) => referencedConnectionIds(r).has(connection.id));
  if (users.length > 0) {
    throw new ConflictError(`connection '${name}' is still used by resource(s) ${users.map((r) => r.name).join(', ')}`);
  }
  await tx.connections.delete(connection.id);
  pc.afterCommit.push(async () => void (await (await pc.secrets()).remove(connection.id)));
}
