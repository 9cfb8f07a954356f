import { generateApiKey, hashApiKey, maskApiKey } from '../../../gateway/key-material.js';
import { ConflictError } from '../../../errors.js';
import { isProviderId, providers } from '../../../providers/registry.js';
import { connectionEnvVar } from '../../../store/credentials/index.js';
import type { Repositories } from '../../../store/backend.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { Environment } from '../../../store/repos/environments.js';
import { referencedConnectionIds } from '../../../store/repos/resources.js';
import { describeEnvironment, namesOf } from './describe.js';
import type { ConnectionSpec, EnvironmentSpec, KeySpec } from './format.js';
import {
  checkUnique,
  environmentNamed,
  fieldChanges,
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
  const label = (name?: string) => `${workspace}/${spec.name}${name === undefined ? '' : `/${name}`}`;
  const current = existing
    ? await describeEnvironment(pc.store, existing, undefined)
    : { name: spec.name, connections: [], resources: [], keys: [], pools: [] };
  const rows = existing ? await pc.store.connections.list(existing.id) : [];
  const envOf = (tx: Repositories) => environmentNamed(tx, workspace, spec.name);
  const step = (action: Change['action'], kind: Kind, name: string, fields: FieldChange[], run: Change['run']) =>
    ({ action, kind, label: label(name), fields, run }) satisfies Change;

  const head: Change[] = [];
  const fields = fieldChanges({ description: current.description }, { description: spec.description });
  if (!existing || fields.length > 0) {
    head.push({
      action: existing ? 'update' : 'create',
      kind: 'environment',
      label: label(),
      fields,
      run: async (tx) => {
        const w = (await tx.workspaces.find(workspace))!;
        if (existing)
          await tx.environments.update(existing, workspace, { description: spec.description ?? null }, pc.user);
        else
          await tx.environments.create({
            workspaceId: w.id,
            workspaceName: w.name,
            name: spec.name,
            description: spec.description,
            user: pc.user,
          });
      },
    });
  }

  const connectionNames = knownNames(spec.connections ?? [], current.connections ?? []);
  const resourceNames = knownNames(spec.resources ?? [], current.resources ?? []);
  const upserts: Change[] = [];
  const at = (list: string, index: number): FilePath => [...path, list, index];

  for (const [kind, list] of [
    ['connection', 'connections'],
    ['resource', 'resources'],
    ['pool', 'pools'],
    ['key', 'keys'],
  ] as const) {
    const entities: ReadonlyArray<{ name: string }> = spec[list] ?? [];
    checkUnique(entities, (e) => e.name, [...path, list], pc);
    for (const [index, entity] of entities.entries()) {
      const where = at(list, index);
      const now = ((current[list] ?? []) as ReadonlyArray<{ name: string }>).find((e) => e.name === entity.name);
      if (kind === 'connection') {
        const change = await planConnection(
          entity as ConnectionSpec,
          now as ConnectionSpec | undefined,
          rows,
          where,
          pc,
          step,
          envOf,
        );
        if (change) upserts.push(change);
        continue;
      }
      if (kind === 'key') {
        const change = planKey(
          entity as KeySpec,
          now as KeySpec | undefined,
          resourceNames,
          where,
          pc,
          step,
          envOf,
          label,
        );
        if (change) upserts.push(change);
        continue;
      }
      const desired =
        kind === 'resource'
          ? canonical.resource(entity as never, connectionNames, pc.locate, where)
          : canonical.pool(entity as never, resourceNames, pc.locate, where);
      const diff = fieldChanges(now ?? {}, desired, ['name']);
      if (now && diff.length === 0) continue;
      upserts.push(
        step(now ? 'update' : 'create', kind, entity.name, diff, async (tx) => {
          const environment = await envOf(tx);
          if (kind === 'pool') {
            const names = namesOf(await tx.resources.list(environment.id));
            await tx.pools.set({
              environmentId: environment.id,
              ...poolFields(entity as never, names, pc.locate, where),
              user: pc.user,
            });
            return;
          }
          const names = namesOf(await tx.connections.list(environment.id));
          const fields = resourceFields(entity as never, names, pc.locate, where);
          const row = await tx.resources.find(environment.id, entity.name);
          if (row) await tx.resources.update(row, fields, pc.user);
          else await tx.resources.create(environment.id, fields, pc.user);
        }),
      );
    }
  }
  if (!pc.prune || !existing) return [...head, ...upserts];
  const removals = (kind: Kind, list: 'connections' | 'resources' | 'keys' | 'pools') =>
    spec[list] === undefined
      ? []
      : (current[list] ?? [])
          .filter((now) => !(spec[list] ?? []).some((e) => e.name === now.name))
          .map((now) =>
            step('delete', kind, now.name, [], async (tx) => remove(tx, kind, await envOf(tx), now.name, pc)),
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

/** A connection's create or update, its secret read from the variable `apiKeyEnv` names (written last). */
async function planConnection(
  spec: ConnectionSpec,
  now: ConnectionSpec | undefined,
  rows: readonly Connection[],
  where: FilePath,
  pc: PlanContext,
  step: (a: Change['action'], k: Kind, n: string, f: FieldChange[], run: Change['run']) => Change,
  envOf: (tx: Repositories) => Promise<Environment>,
): Promise<Change | undefined> {
  const desired = canonical.connection(spec, pc.locate, where);
  if (now && now.provider !== desired.provider) {
    throw pc.locate(
      [...where, 'provider'],
      `connection '${spec.name}' is a ${now.provider} connection; its provider cannot change`,
    );
  }
  const diff = fieldChanges(now ?? {}, desired, ['name', 'apiKeyEnv']);
  const row = rows.find((r) => r.name === spec.name);
  const secret = await planSecret(spec, row, where, pc);
  if (secret) diff.push({ field: 'secret', from: row ? '********' : undefined, to: `from $${spec.apiKeyEnv}` });
  if (now && diff.length === 0) return undefined;
  return step(now ? 'update' : 'create', 'connection', spec.name, diff, async (tx) => {
    const environment = await envOf(tx);
    const fields = connectionFields(spec, pc.locate, where);
    const existing = await tx.connections.find(environment.id, spec.name);
    const saved = existing
      ? await tx.connections.update(existing, fields, pc.user)
      : await tx.connections.create({ environmentId: environment.id, name: spec.name, ...fields, user: pc.user });
    if (secret) pc.beforeCommit.push(async (last) => (await pc.secrets(last)).write(saved.id, secret));
  });
}

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
function planKey(
  spec: KeySpec,
  now: KeySpec | undefined,
  resourceNames: Names,
  where: FilePath,
  pc: PlanContext,
  step: (a: Change['action'], k: Kind, n: string, f: FieldChange[], run: Change['run']) => Change,
  envOf: (tx: Repositories) => Promise<Environment>,
  label: (name: string) => string,
): Change | undefined {
  const desired = canonical.key(spec, resourceNames, pc.locate, where);
  const diff = fieldChanges(now ?? {}, desired, ['name']);
  if (now && diff.length === 0) return undefined;
  const fixed = diff.filter((d) => d.field !== 'enabled');
  if (now && fixed.length > 0) {
    throw pc.locate(
      [...where, fixed[0]!.field],
      `key '${spec.name}' cannot change ${fixed.map((d) => d.field).join(', ')}: a key is fixed when it is made (revoke it with \`vmx key revoke\` and apply again for a new one)`,
    );
  }
  return step(now ? 'update' : 'create', 'key', spec.name, diff, async (tx) => {
    const environment = await envOf(tx);
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
    pc.newKeys.push({ label: label(spec.name), key });
  });
}

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
