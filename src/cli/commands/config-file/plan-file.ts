import {
  isRetentionKey,
  parseRetention,
  policyProblem,
  retentionPolicy,
  retentionSettings,
} from '../../../store/retention.js';
import type { Workspace } from '../../../store/repos/workspaces.js';
import { checkRole } from '../../scope.js';
import { checkMayChangeSettings } from '../config/settings.js';
import { describeWorkspace } from './describe.js';
import { settingsOf } from './export.js';
import type { ConfigFile, MemberSpec, WorkspaceSpec } from './format.js';
import { planEnvironment } from './plan-environment.js';
import { at, type FilePath } from './read-file.js';
import { checkUnique, environmentNamed, fieldChanges, workspaceNamed, type Change, type PlanContext } from './plan.js';

/** Every change that makes the store say what the file says, in the order they are applied. */
export async function planFile(file: ConfigFile, pc: PlanContext): Promise<Change[]> {
  checkUnique(file.workspaces ?? [], (w) => w.name, ['workspaces'], pc);
  const changes: Change[] = [];
  for (const [index, spec] of (file.workspaces ?? []).entries()) {
    changes.push(...(await planWorkspace(spec, ['workspaces', index], pc)));
  }
  if (file.settings) changes.push(...(await planSettings(file.settings, pc)));
  return changes;
}

async function planWorkspace(spec: WorkspaceSpec, path: FilePath, pc: PlanContext): Promise<Change[]> {
  const existing = await pc.store.workspaces.find(spec.name);
  // A member who is not one is refused before anything is compared (as `workspace show` is).
  if (existing) await checkRole(pc.store, pc.user, existing, 'read');
  const current = existing
    ? await describeWorkspace(pc.store, existing, undefined)
    : { name: spec.name, members: [{ user: pc.user, role: 'owner' as const }], environments: [] };
  const changes: Change[] = [];
  const fields = fieldChanges({ description: current.description }, { description: spec.description });
  if (!existing) {
    changes.push({
      action: 'create',
      kind: 'workspace',
      label: spec.name,
      fields,
      run: async (tx) =>
        void (await tx.workspaces.create({ name: spec.name, description: spec.description, user: pc.user })),
    });
  } else if (fields.length > 0) {
    changes.push({
      action: 'update',
      kind: 'workspace',
      label: spec.name,
      fields,
      run: async (tx) =>
        void (await tx.workspaces.update(existing, { description: spec.description ?? null }, pc.user)),
    });
  }
  const members = spec.members ? planMembers(spec, current.members ?? [], [...path, 'members'], pc) : [];
  changes.push(...members);
  const environments = spec.environments ?? [];
  checkUnique(environments, (e) => e.name, [...path, 'environments'], pc);
  for (const [index, environment] of environments.entries()) {
    const now = existing ? await pc.store.environments.find(existing.id, environment.name) : undefined;
    changes.push(...(await planEnvironment(spec.name, environment, now, [...path, 'environments', index], pc)));
  }
  if (pc.prune && existing && spec.environments) {
    const named = new Set(environments.map((e) => e.name));
    for (const environment of await pc.store.environments.list(existing.id)) {
      if (named.has(environment.name)) continue;
      changes.push(environmentRemoval(spec.name, environment.name, pc));
    }
  }
  if (existing) await checkRoles(existing, changes, members.length > 0, pc);
  return changes;
}

/** The role checks of the CLI edits the changes stand for: `write` for any, `manage-members` for members. */
async function checkRoles(workspace: Workspace, changes: Change[], members: boolean, pc: PlanContext) {
  if (changes.length > 0) await checkRole(pc.store, pc.user, workspace, 'write');
  if (members) await checkRole(pc.store, pc.user, workspace, 'manage-members');
}

function planMembers(spec: WorkspaceSpec, current: MemberSpec[], path: FilePath, pc: PlanContext): Change[] {
  const wanted = spec.members ?? [];
  checkUnique(wanted, (m) => m.user, path, pc, 'user');
  const changes: Change[] = [];
  const label = (user: string) => `${user} of ${spec.name}`;
  const workspaceOf = async (tx: Parameters<Change['run']>[0]) => workspaceNamed(tx, spec.name);
  for (const member of wanted) {
    const now = current.find((m) => m.user === member.user);
    if (now && now.role === member.role) continue;
    changes.push({
      action: now ? 'update' : 'create',
      kind: 'member',
      label: label(member.user),
      fields: [{ field: 'role', from: now?.role, to: member.role }],
      run: async (tx) => {
        const w = await workspaceOf(tx);
        if (now) await tx.members.setRole(w.id, w.name, member.user, member.role);
        else await tx.members.add({ workspaceId: w.id, workspaceName: w.name, ...member, by: pc.user });
      },
    });
  }
  if (!pc.prune) return changes;
  for (const member of current) {
    if (wanted.some((m) => m.user === member.user)) continue;
    changes.push({
      action: 'delete',
      kind: 'member',
      label: label(member.user),
      fields: [{ field: 'role', from: member.role }],
      run: async (tx) => {
        const w = await workspaceOf(tx);
        await tx.members.remove(w.id, w.name, member.user);
      },
    });
  }
  return changes;
}

/** Removing an environment the file no longer names (--prune): everything in it goes, and its secrets. */
function environmentRemoval(workspace: string, name: string, pc: PlanContext): Change {
  return {
    action: 'delete',
    kind: 'environment',
    label: `${workspace}/${name}`,
    fields: [],
    run: async (tx) => {
      const environment = await environmentNamed(tx, workspace, name);
      const connectionIds = await tx.connections.idsInEnvironment(environment.id);
      await tx.environments.delete(environment.id);
      pc.afterCommit.push(async () => {
        const secrets = await pc.secrets();
        for (const id of connectionIds) await secrets.remove(id);
      });
    },
  };
}

/** Store-wide settings: each value checked, then the policy they make together, as `vmx config set` does. */
async function planSettings(wanted: Record<string, string>, pc: PlanContext): Promise<Change[]> {
  for (const [key, value] of Object.entries(wanted)) {
    if (!isRetentionKey(key)) {
      throw pc.locate(
        ['settings', key],
        `unknown setting '${key}' (settings: ${Object.keys(retentionSettings).join(', ')})`,
      );
    }
    at(pc.locate, ['settings', key], () => parseRetention(key, value));
  }
  const current = await settingsOf(pc.store);
  const next = pc.prune ? { ...wanted } : { ...current, ...wanted };
  const problem = policyProblem(retentionPolicy({ get: (key) => next[key] }));
  if (problem) throw pc.locate(['settings'], problem);
  const changes: Change[] = [];
  for (const key of [...new Set([...Object.keys(current), ...Object.keys(next)])].sort()) {
    if (current[key] === next[key]) continue;
    const value = next[key];
    changes.push({
      action: current[key] === undefined ? 'create' : value === undefined ? 'delete' : 'update',
      kind: 'setting',
      label: key,
      fields: [{ field: 'value', from: current[key], to: value }],
      run: async (tx) => {
        await checkMayChangeSettings(tx, pc.user);
        if (value === undefined) await tx.settings.unset(key);
        else await tx.settings.set(key, value);
      },
    });
  }
  return changes;
}
