import type { Role } from '../store/repos/members.js';

/** What a CLI command does inside a workspace, for the role check. */
export type WorkspaceAction =
  | 'read' // list, show
  | 'write' // create/update/delete anything below the workspace, rename the workspace
  | 'delete-workspace'
  | 'manage-members';

const ownerOnly: ReadonlySet<WorkspaceAction> = new Set(['delete-workspace', 'manage-members']);

/**
 * The role rules: owners may do everything; members everything except deleting the workspace and
 * managing members. (Non-members are refused before this is asked.)
 */
export function permits(role: Role, action: WorkspaceAction): boolean {
  return role === 'owner' || !ownerOnly.has(action);
}

export function describeAction(action: WorkspaceAction): string {
  switch (action) {
    case 'delete-workspace':
      return 'deleting the workspace';
    case 'manage-members':
      return 'managing members';
    case 'write':
      return 'changing the workspace';
    case 'read':
      return 'reading the workspace';
  }
}
