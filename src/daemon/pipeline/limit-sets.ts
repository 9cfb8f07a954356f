import type { LimitSet } from '../../gateway/capacity/gate.js';
import type { ApiKeyWithHash } from '../../store/repos/api-keys.js';
import type { Connection } from '../../store/repos/connections.js';
import type { Resource } from '../../store/repos/resources.js';

/**
 * The key's limits and, when enforced, the resource's (if it is known yet): checked on every attempt
 * with the connection's.
 */
export function callerLimits(key: ApiKeyWithHash, resource: Resource | undefined): LimitSet[] {
  const sets: LimitSet[] = [];
  if (key.capacity.length) sets.push({ level: 'key', id: key.id, name: key.name, limits: key.capacity });
  if (resource?.enforceCapacity && resource.capacity.length) {
    // An ephemeral resource (made by overrides) has no id: its name counts for it.
    sets.push({ level: 'resource', id: resource.id || resource.name, name: resource.name, limits: resource.capacity });
  }
  return sets;
}

/** A connection's own limits, when it has any. */
export const connectionLimits = (connection: Connection): LimitSet | undefined =>
  connection.capacity.length
    ? { level: 'connection', id: connection.id, name: connection.name, limits: connection.capacity }
    : undefined;

/** Whether any of the limits counts tokens (only then is the input estimate worth computing). */
export const countsTokens = (sets: readonly LimitSet[]): boolean =>
  sets.some((set) => set.limits.some((limit) => limit.tokens !== undefined));
