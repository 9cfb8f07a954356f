import { NotFoundError } from '../errors.js';
import type { Repositories, StoreBackend } from '../store/backend.js';
import type { WorkspaceAction } from './roles.js';
import { checkRole, type WorkspaceScope } from './scope.js';

/**
 * Runs one CLI read-modify-write as a single IMMEDIATE transaction (DESIGN.md "Live config"). `change`
 * reads the current row and writes only what the flags changed; holding the write lock from that read
 * to the write is what keeps two edits of one entity at once from undoing each other. The workspace
 * and the acting user's role are checked again inside, so a deletion or demotion that committed after
 * the command resolved its scope is not overtaken. `change` uses the transaction's repositories and
 * reads no files, stdin or prompts (do that before: the write lock is held meanwhile).
 */
export function editInTransaction<T>(
  store: StoreBackend,
  user: string,
  scope: WorkspaceScope,
  action: WorkspaceAction,
  change: (tx: Repositories) => Promise<T>,
): Promise<T> {
  return store.transaction(async (tx) => {
    const workspace = await tx.workspaces.find(scope.workspace.id);
    if (!workspace) throw new NotFoundError(`workspace '${scope.workspace.name}' not found`);
    await checkRole(tx, user, workspace, action);
    return change(tx);
  });
}
