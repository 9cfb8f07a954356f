import type { ApiKey } from '../../../store/repos/api-keys.js';
import type { Resource } from '../../../store/repos/resources.js';
import { formatLimits } from '../../../gateway/capacity/limits.js';

export type KeyStatus = 'enabled' | 'disabled' | 'expired';

export function keyStatus(key: ApiKey, now = Date.now()): KeyStatus {
  if (!key.enabled) return 'disabled';
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired';
  return 'enabled';
}

/** A key as printed: resource ids resolved to names, limits in --limit spelling, its status. */
export function keyView(key: ApiKey, resources: Resource[]) {
  const names = new Map(resources.map((r) => [r.id, r.name]));
  return {
    ...key,
    status: keyStatus(key),
    resourceNames: key.resources === null ? null : key.resources.map((id) => names.get(id) ?? id),
    limits: formatLimits(key.capacity),
  };
}
