import { PermissionError, UsageError } from '../../../errors.js';
import type { Repositories } from '../../../store/backend.js';
import { isRetentionKey, retentionSettings, type RetentionKey } from '../../../store/retention.js';

/** One setting as `config` prints it. */
export async function describeSetting(store: Repositories, key: RetentionKey) {
  const set = await store.settings.get(key);
  const { default: fallback, about } = retentionSettings[key];
  return { key, value: set ?? fallback, default: fallback, set: set !== undefined, about };
}

/** A key `config` knows, or a usage error listing the ones it does. */
export function settingKey(key: string): RetentionKey {
  if (isRetentionKey(key)) return key;
  throw new UsageError(`unknown setting '${key}'`, `settings: ${Object.keys(retentionSettings).join(', ')}`);
}

/**
 * Retention settings prune the history of every workspace, so changing them takes the owner role in
 * at least one workspace — or a store with no workspace yet (nobody to protect, nobody who could be
 * owner). Called inside the transaction that writes the setting.
 */
export async function checkMayChangeSettings(store: Repositories, user: string): Promise<void> {
  if (!(await store.workspaces.any())) return;
  if ((await store.workspaces.listForUser(user)).some((w) => w.role === 'owner')) return;
  throw new PermissionError(
    `${user} owns no workspace; store-wide settings prune every workspace's history, so changing them requires the owner role in at least one workspace`,
  );
}
