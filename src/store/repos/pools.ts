import type { Database } from 'better-sqlite3';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { fromJsonColumn, stamps, toJson, type StampColumns, type Stamps } from '../rows.js';

/**
 * A prioritization pool (reference §1.8): resources whose traffic shares each connection's per-minute
 * token budget with the environment's other pools. Lower rank is served first; the pool's share of a
 * budget stays between `min` and `max` (% of it). A resource is in one pool of its environment at most.
 */
export interface Pool extends Stamps {
  id: string;
  environmentId: string;
  name: string;
  rank: number;
  /** The share (%) the pool always keeps. */
  min: number;
  /** The largest share (%) it may grow to. */
  max: number;
  resourceIds: string[];
}

export interface PoolRow extends StampColumns {
  id: string;
  environment_id: string;
  name: string;
  rank: number;
  min_pct: number;
  max_pct: number;
  /** JSON text on SQLite, parsed jsonb on PostgreSQL. */
  resources: string | string[];
}

export const toPool = (row: PoolRow): Pool => ({
  id: row.id,
  environmentId: row.environment_id,
  name: row.name,
  rank: row.rank,
  min: row.min_pct,
  max: row.max_pct,
  resourceIds: fromJsonColumn(row.resources),
  ...stamps(row),
});

/** A pool as `set` takes it: created, or replacing the environment's pool of that name. */
export interface PoolInput {
  environmentId: string;
  name: string;
  rank: number;
  min: number;
  max: number;
  resourceIds: string[];
  user: string;
}

/** The stored columns of a pool (resource ids once each, in the order given), as both backends write them. */
export const poolColumns = (input: PoolInput) => ({
  environmentId: input.environmentId,
  name: input.name,
  rank: input.rank,
  min: input.min,
  max: input.max,
  resources: toJson([...new Set(input.resourceIds)]),
  user: input.user,
});

/**
 * The rules a pool keeps with the rest of its environment, checked by both backends inside the write:
 * `others` are the environment's other pools, `resources` its resources' names by id.
 */
export function checkPool(input: PoolInput, others: readonly Pool[], resources: ReadonlyMap<string, string>): void {
  checkShares(input);
  if (input.resourceIds.length === 0) throw new UsageError(`pool '${input.name}' needs at least one resource`);
  const unknown = input.resourceIds.find((id) => !resources.has(id));
  if (unknown !== undefined) throw new NotFoundError(`resource '${unknown}' not found in this environment`);
  const mins = [...others, input].filter((p) => p.min > 0);
  const sum = mins.reduce((total, p) => total + p.min, 0);
  if (sum > 100) {
    throw new UsageError(
      `the pools' minimums would add up to ${sum}% (${mins.map((p) => `${p.name} ${p.min}%`).join(', ')}); at most 100% can be reserved`,
    );
  }
  for (const other of others) {
    const shared = input.resourceIds.find((id) => other.resourceIds.includes(id));
    if (shared !== undefined) {
      throw new ConflictError(
        `resource '${resources.get(shared)}' is already in pool '${other.name}': a resource belongs to one pool at most`,
      );
    }
  }
}

/** Rank and shares: whole numbers, 1 ≤ rank, 0 ≤ min ≤ max ≤ 100, max above 0. */
function checkShares({ name, rank, min, max }: PoolInput): void {
  if (!Number.isInteger(rank) || rank < 1) {
    throw new UsageError(`pool '${name}': rank must be a whole number, 1 or more (1 is served first)`);
  }
  for (const [label, pct] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (!Number.isInteger(pct) || pct < 0 || pct > 100)
      throw new UsageError(`pool '${name}': ${label} must be a whole percentage from 0 to 100`);
  }
  if (max === 0) throw new UsageError(`pool '${name}': max must be above 0%`);
  if (min > max) throw new UsageError(`pool '${name}': min (${min}%) is above max (${max}%)`);
}

export type PoolRepo = ReturnType<typeof createPoolRepo>;

export function createPoolRepo(db: Database) {
  const all = db.prepare<[string], PoolRow>('SELECT * FROM pools WHERE environment_id = ? ORDER BY rank, name');
  const byName = db.prepare<[string, string], PoolRow>('SELECT * FROM pools WHERE environment_id = ? AND name = ?');
  const byRef = db.prepare<[string, string, string, string], PoolRow>(
    'SELECT * FROM pools WHERE environment_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1',
  );
  const resourceNames = db.prepare<[string], { id: string; name: string }>(
    'SELECT id, name FROM resources WHERE environment_id = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO pools (id, environment_id, name, rank, min_pct, max_pct, resources,
                        created_at, updated_at, created_by, updated_by)
     VALUES (@id, @environmentId, @name, @rank, @min, @max, @resources, @now, @now, @user, @user)
     ON CONFLICT (environment_id, name) DO UPDATE SET
       rank = excluded.rank, min_pct = excluded.min_pct, max_pct = excluded.max_pct,
       resources = excluded.resources, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  const setResources = db.prepare('UPDATE pools SET resources = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM pools WHERE id = ?');

  return {
    /**
     * Creates the environment's pool of this name, or replaces its rank, shares and resources (its id
     * and creation stamps stay), after checking it against the environment's other pools.
     */
    set(input: PoolInput): Pool {
      return db
        .transaction(() => {
          const others = all.all(input.environmentId).map(toPool);
          const names = new Map(resourceNames.all(input.environmentId).map((r) => [r.id, r.name]));
          checkPool(
            input,
            others.filter((p) => p.name !== input.name),
            names,
          );
          upsert.run({ id: crypto.randomUUID(), ...poolColumns(input), now: new Date().toISOString() });
          return toPool(byName.get(input.environmentId, input.name)!);
        })
        .immediate();
    },

    /** The environment's pools, first served first: by rank, then name. */
    list(environmentId: string): Pool[] {
      return all.all(environmentId).map(toPool);
    },

    /** Finds a pool of the environment by id first, then by name. */
    find(environmentId: string, ref: string): Pool | undefined {
      const row = byRef.get(environmentId, ref, ref, ref);
      return row && toPool(row);
    },

    delete(id: string): void {
      remove.run(id);
    },

    /** Takes a deleted resource out of the environment's pools (a pool may be left without resources). */
    forgetResource(environmentId: string, resourceId: string): void {
      db.transaction(() => {
        for (const pool of all.all(environmentId).map(toPool)) {
          if (pool.resourceIds.includes(resourceId))
            setResources.run(toJson(pool.resourceIds.filter((id) => id !== resourceId)), pool.id);
        }
      }).immediate();
    },
  };
}
