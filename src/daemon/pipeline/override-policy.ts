import { PermissionError } from '../../errors.js';
import type { Capacity } from '../../gateway/capacity/limits.js';
import type { Resource } from '../../store/repos/resources.js';
import type { RouteGroup, Routing } from '../../gateway/routing/index.js';

const field = (name: string) => `vmx.resourceConfigOverrides.${name}`;
const hint = 'create the key with `vmx key create --allow-overrides` to let it';

/**
 * Overrides are policy-safe unless the key was created with `--allow-overrides` (HTTP.md "Request"):
 * the resource a request ends up with may tighten the stored one's limits, never lift them, and keeps
 * every block rule in force. Refused with 403 naming the field.
 */
export function checkOverridePolicy(stored: Resource, result: Resource): void {
  for (const limit of stored.capacity) {
    if (!result.capacity.some((candidate) => atLeastAsStrict(candidate, limit))) {
      throw new PermissionError(
        `${field('capacity')}: this API key may not lift the ${limit.period} limit of resource '${stored.name}' (${hint})`,
      );
    }
  }
  if (stored.enforceCapacity && stored.capacity.length > 0 && !result.enforceCapacity) {
    throw new PermissionError(
      `${field('enforceCapacity')}: this API key may not stop resource '${stored.name}' enforcing its limits (${hint})`,
    );
  }
  const kept = new Set(activeBlocks(result.routing).map(blockKey));
  if (activeBlocks(stored.routing).some((block) => !kept.has(blockKey(block)))) {
    throw new PermissionError(
      `${field('routing')}: this API key may not remove the block rules of resource '${stored.name}' (${hint})`,
    );
  }
}

/** Same period, and every dimension the limit has is there, no higher. */
function atLeastAsStrict(candidate: Capacity, limit: Capacity): boolean {
  if (candidate.period !== limit.period) return false;
  const within = (mine: number | undefined, theirs: number | undefined) =>
    theirs === undefined || (mine !== undefined && mine <= theirs);
  return within(candidate.requests, limit.requests) && within(candidate.tokens, limit.tokens);
}

function activeBlocks(routing: Routing | null): RouteGroup[] {
  if (!routing?.enabled) return [];
  return routing.conditions.filter((group) => group.action === 'BLOCK' && group.enabled !== false);
}

/** What a block rule does, without its id or description. */
const blockKey = (group: RouteGroup): string => canonical({ operator: group.operator, conditions: group.conditions });

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
