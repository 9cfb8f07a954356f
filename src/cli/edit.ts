import { NotFoundError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { WorkspaceAction } from './roles.js';
import { checkRole, type WorkspaceScope } from './scope.js';

/**
 * Runs one CLI read-modify-write as a single IMMEDIATE transaction (DESIGN.md "Live config"). `change`
 * reads the current row and writes only what the flags changed; holding the write lock from that read
 * to the write is what keeps two edits of one entity at once from undoing each other. The workspace
 * and the acting user's role are checked again inside, so a deletion or demotion that committed after
 * the command resolved its scope is not overtaken. `change` must be synchronous: read files, stdin
 * and prompts before.
 */
export function editInTransaction<T>(
  store: Store,
  user: string,
  scope: WorkspaceScope,
  action: WorkspaceAction,
  change: () => T,
): T {
  return store.transaction(() => {
    const workspace = store.workspaces.find(scope.workspace.id);
    if (!workspace) throw new NotFoundError(`workspace '${scope.workspace.name}' not found`);
    checkRole(store, user, workspace, action);
    return change();
  });
}
