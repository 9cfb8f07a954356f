import type { Pool } from '../../../store/repos/pools.js';
import type { Resource } from '../../../store/repos/resources.js';
import type { Output } from '../../io/output.js';

/** What list and status print when the environment has no pools. */
export const NO_POOLS =
  'no pools yet: create one with `vmx pool set <name> --rank 1 --min 20 --max 100 --resource <resource>`';

export type PoolView = ReturnType<typeof poolView>;

/** A pool as printed: its resources' names next to their ids. */
export function poolView(pool: Pool, resources: Resource[]) {
  const names = new Map(resources.map((r) => [r.id, r.name]));
  return { ...pool, resourceNames: pool.resourceIds.map((id) => names.get(id) ?? id) };
}

/** `high (rank 1, 20–100%, resources: chat)`, for one-line messages. */
export const describePool = (view: PoolView): string =>
  `${view.name} (rank ${view.rank}, ${view.min}–${view.max}%, resources: ${view.resourceNames.join(', ') || 'none'})`;

/** The full view for --json; for people, shares as percentages and resources by name. */
export function printPool(out: Output, view: PoolView): void {
  if (out.json) return out.writeJson(view);
  out.object({
    id: view.id,
    name: view.name,
    rank: view.rank,
    min: `${view.min}%`,
    max: `${view.max}%`,
    resources: view.resourceNames,
    updatedAt: view.updatedAt,
    updatedBy: view.updatedBy,
  });
}
