import { connectionEnvVar, type ConnectionSecrets } from '../../../store/credentials/index.js';
import type { Async, Repositories } from '../../../store/backend.js';
import { isProviderId, providers } from '../../../providers/registry.js';
import type { Environment } from '../../../store/repos/environments.js';
import type { Workspace } from '../../../store/repos/workspaces.js';
import type { EnvironmentSpec, WorkspaceSpec } from './format.js';
import { byText, connectionSpec, keySpec, poolSpec, resourceSpec, type Names } from './specs.js';

const byName = <T extends { name: string }>(a: T, b: T) => byText(a.name, b.name);

/** Names and ids of one environment's entities of one kind. */
export function namesOf(entities: ReadonlyArray<{ id: string; name: string }>): Names {
  const byId = new Map(entities.map((e) => [e.id, e.name]));
  const byEntityName = new Map(entities.map((e) => [e.name, e.id]));
  return { nameOf: (id) => byId.get(id), idOf: (name) => byEntityName.get(name) };
}

/**
 * A workspace as the file says it (all of it, or the environments `only` names): members and
 * environments sorted by name, and every list written even when empty, so that an applied export
 * manages all of them. `secrets` says which connections hold a stored secret; `undefined` leaves
 * that out (a plan, which compares secrets on its own).
 */
export async function describeWorkspace(
  store: Repositories,
  workspace: Workspace,
  secrets: Async<ConnectionSecrets> | undefined,
  only?: Environment,
): Promise<WorkspaceSpec> {
  const members = (await store.members.list(workspace.id))
    .map((m) => ({ user: m.user, role: m.role }))
    .sort((a, b) => byText(a.user, b.user));
  const environments = only ? [only] : await store.environments.list(workspace.id);
  const described: EnvironmentSpec[] = [];
  for (const environment of [...environments].sort(byName)) {
    described.push(await describeEnvironment(store, environment, secrets));
  }
  return {
    name: workspace.name,
    ...(workspace.description ? { description: workspace.description } : {}),
    members,
    environments: described,
  };
}

export async function describeEnvironment(
  store: Repositories,
  environment: Environment,
  secrets: Async<ConnectionSecrets> | undefined,
): Promise<EnvironmentSpec> {
  const connections = (await store.connections.list(environment.id)).sort(byName);
  const resources = (await store.resources.list(environment.id)).sort(byName);
  const keys = (await store.apiKeys.list(environment.id)).sort(byName);
  const pools = (await store.pools.list(environment.id)).sort(byName);
  const connectionNames = namesOf(connections);
  const resourceNames = namesOf(resources);
  const described = [];
  for (const connection of connections) {
    described.push(connectionSpec(connection, secrets && (await secretVariable(secrets, connection))));
  }
  return {
    name: environment.name,
    ...(environment.description ? { description: environment.description } : {}),
    connections: described,
    resources: resources.map((r) => resourceSpec(r, connectionNames)),
    keys: keys.map((k) => keySpec(k, resourceNames)),
    pools: pools.map((p) => poolSpec(p, resourceNames)),
  };
}

/**
 * Where an applied file takes the connection's secret from: the variable that also overrides it at
 * run time (`VMX_<CONNECTION>_API_KEY`), when the connection has a secret at all.
 */
async function secretVariable(
  secrets: Async<ConnectionSecrets>,
  connection: { id: string; name: string; provider: string },
) {
  if (!isProviderId(connection.provider)) return undefined;
  const provider = providers[connection.provider];
  // A key pair (aws-bedrock) is more than one variable can hold: it is set with `vmx connection update`.
  if (provider.secretFields.includes('accessKeyId')) return undefined;
  const status = await secrets.status(connection, provider.secretFields);
  return status.source === 'none' ? undefined : connectionEnvVar(connection.name, provider.secret.field);
}
