import { UsageError } from '../../../errors.js';
import type { Store } from '../../../store/open.js';
import { isRetentionKey, retentionSettings, type RetentionKey } from '../../../store/retention.js';

/** One setting as `config` prints it. */
export function describeSetting(store: Store, key: RetentionKey) {
  const set = store.settings.get(key);
  const { default: fallback, about } = retentionSettings[key];
  return { key, value: set ?? fallback, default: fallback, set: set !== undefined, about };
}

/** A key `config` knows, or a usage error listing the ones it does. */
export function settingKey(key: string): RetentionKey {
  if (isRetentionKey(key)) return key;
  throw new UsageError(`unknown setting '${key}'`, `settings: ${Object.keys(retentionSettings).join(', ')}`);
}
