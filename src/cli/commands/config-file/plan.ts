import { isDeepStrictEqual } from 'node:util';
import type { ConnectionSecrets } from '../../../store/credentials/index.js';
import type { Async, Repositories } from '../../../store/backend.js';
import type { Environment } from '../../../store/repos/environments.js';
import type { Workspace } from '../../../store/repos/workspaces.js';
import type { FilePath, Locator } from './read-file.js';

/** One field of an entity that a change sets: its value in the store now and in the file. */
export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

/** One step of a plan, in the order it is applied; `run` does it with the transaction's repositories. */
export interface Change {
  action: 'create' | 'update' | 'delete';
  kind: string;
  /** The entity by name, e.g. `acme/dev/chat`. */
  label: string;
  fields: FieldChange[];
  run(tx: Repositories): Promise<void>;
}

/** What planning needs: the store as the transaction sees it, who acts, and where problems are in the file. */
export interface PlanContext {
  store: Repositories;
  user: string;
  env: NodeJS.ProcessEnv;
  prune: boolean;
  locate: Locator;
  /** The credential store, through a transaction's repositories when it is the shared store's. */
  secrets(tx?: Repositories): Promise<Async<ConnectionSecrets>>;
  /** API keys made by the plan, printed once after it is applied. */
  newKeys: Array<{ label: string; key: string }>;
  /** Secrets written last in the transaction, after every row: a failing row leaves no secret changed. */
  beforeCommit: Array<(tx: Repositories) => Promise<void>>;
  /** What happens once the transaction committed: removing the secrets of deleted connections. */
  afterCommit: Array<() => Promise<void>>;
}

/**
 * The fields where `desired` differs from `current`, in the file's order (fields only the store has
 * last). Both are in the file's spelling, defaults left out.
 */
export function fieldChanges(current: object, desired: object, skip: readonly string[] = []): FieldChange[] {
  const now = current as Record<string, unknown>;
  const next = desired as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(next), ...Object.keys(now)])].filter((f) => !skip.includes(f));
  return fields
    .filter((field) => !isDeepStrictEqual(now[field], next[field]))
    .map((field) => ({ field, from: now[field], to: next[field] }));
}

/** The workspace of a name as the transaction sees it (made earlier in the same plan, maybe). */
export async function workspaceNamed(tx: Repositories, name: string): Promise<Workspace> {
  const workspace = await tx.workspaces.find(name);
  if (!workspace) throw new Error(`workspace '${name}' vanished during apply`);
  return workspace;
}

export async function environmentNamed(tx: Repositories, workspace: string, name: string): Promise<Environment> {
  const environment = await tx.environments.find((await workspaceNamed(tx, workspace)).id, name);
  if (!environment) throw new Error(`environment '${workspace}/${name}' vanished during apply`);
  return environment;
}

/** A plan as people read it: `+` create, `~` update with `field: old → new`, `-` delete. */
export function formatPlan(changes: readonly Change[]): string {
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const lines: string[] = [];
  for (const change of changes) {
    lines.push(`${sign[change.action]} ${change.kind} ${change.label}`);
    for (const { field, from, to } of change.fields) {
      lines.push(
        change.action === 'update'
          ? `    ${field}: ${show(from)} → ${show(to)}`
          : `    ${field}: ${show(change.action === 'delete' ? from : to)}`,
      );
    }
  }
  return lines.join('\n');
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A plan's changes for --json: the entity and its field changes, without the functions. */
export const changeViews = (changes: readonly Change[]) =>
  changes.map(({ action, kind, label, fields }) => ({ action, kind, name: label, fields }));

/** Two entries of one list with the same name: the second is the mistake. */
export function checkUnique<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  path: FilePath,
  pc: Pick<PlanContext, 'locate'>,
  field = 'name',
): void {
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    const name = nameOf(item);
    if (seen.has(name)) throw pc.locate([...path, index, field], `'${name}' is named twice`);
    seen.add(name);
  }
}
