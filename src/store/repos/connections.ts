import type { Database } from 'better-sqlite3';
import { ConflictError } from '../../errors.js';
import type { Capacity } from '../../gateway/capacity/limits.js';
import { fromJson, stamps, toJson, type StampColumns, type Stamps } from '../rows.js';
import { isUniqueViolation } from '../sqlite-errors.js';
import type { PriceOverride } from '../../pricing/price-spec.js';

/** Rate limits a provider reported for one model (from its rate-limit headers), informational. */
export interface DiscoveredCapacity {
  [model: string]: { updatedAt: string; capacity: Capacity[] };
}

/** A provider account in one environment. Its secret is in the keychain under the connection id. */
export interface Connection extends Stamps {
  id: string;
  environmentId: string;
  name: string;
  description: string | null;
  provider: string;
  /** Non-secret provider settings, validated by the provider registry's schema. */
  config: Record<string, unknown>;
  capacity: Capacity[];
  discoveredCapacity: DiscoveredCapacity;
  /** Prices that replace the catalog's for this connection (all models, or one each). */
  prices: PriceOverride[];
}

export interface ConnectionRow extends StampColumns {
  id: string;
  environment_id: string;
  name: string;
  description: string | null;
  provider: string;
  config: string;
  capacity: string;
  discovered_capacity: string;
  prices: string;
}

export const toConnection = (row: ConnectionRow): Connection => ({
  id: row.id,
  environmentId: row.environment_id,
  name: row.name,
  description: row.description,
  provider: row.provider,
  config: fromJson(row.config),
  capacity: fromJson(row.capacity),
  discoveredCapacity: fromJson(row.discovered_capacity),
  prices: fromJson(row.prices),
  ...stamps(row),
});

export type ConnectionChange = Partial<Pick<Connection, 'name' | 'description' | 'config' | 'capacity' | 'prices'>>;

export function createConnectionRepo(db: Database): ConnectionRepo {
  return new ConnectionRepo(db);
}

function statements(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO connections (id, environment_id, name, description, provider, config, capacity, prices,
                                created_at, updated_at, created_by, updated_by)
       VALUES (@id, @environmentId, @name, @description, @provider, @config, @capacity, @prices, @now, @now, @user, @user)`,
    ),
    byId: db.prepare<[string], ConnectionRow>('SELECT * FROM connections WHERE id = ?'),
    byRef: db.prepare<[string, string, string, string], ConnectionRow>(
      'SELECT * FROM connections WHERE environment_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1',
    ),
    all: db.prepare<[string], ConnectionRow>('SELECT * FROM connections WHERE environment_id = ? ORDER BY name'),
    idsInWorkspace: db.prepare<[string], { id: string }>(
      `SELECT c.id FROM connections c JOIN environments e ON e.id = c.environment_id WHERE e.workspace_id = ?`,
    ),
    idsInEnvironment: db.prepare<[string], { id: string }>('SELECT id FROM connections WHERE environment_id = ?'),
    update: db.prepare(
      `UPDATE connections SET name = @name, description = @description, config = @config, capacity = @capacity,
              prices = @prices, updated_at = @now, updated_by = @user WHERE id = @id`,
    ),
    setDiscovered: db.prepare('UPDATE connections SET discovered_capacity = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM connections WHERE id = ?'),
  };
}

const conflict = (name: string) => new ConflictError(`connection '${name}' already exists in this environment`);

export class ConnectionRepo {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Database) {
    this.sql = statements(db);
  }

  create(input: {
    environmentId: string;
    name: string;
    description?: string | null;
    provider: string;
    config: Record<string, unknown>;
    capacity: Capacity[];
    prices?: PriceOverride[];
    user: string;
  }): Connection {
    const id = crypto.randomUUID();
    try {
      this.sql.insert.run({
        id,
        environmentId: input.environmentId,
        name: input.name,
        description: input.description ?? null,
        provider: input.provider,
        config: toJson(input.config),
        capacity: toJson(input.capacity),
        prices: toJson(input.prices ?? []),
        now: new Date().toISOString(),
        user: input.user,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(input.name);
      throw error;
    }
    return toConnection(this.sql.byId.get(id)!);
  }

  get(id: string): Connection | undefined {
    const row = this.sql.byId.get(id);
    return row && toConnection(row);
  }

  /** Finds a connection of the environment by id first, then by name. */
  find(environmentId: string, ref: string): Connection | undefined {
    const row = this.sql.byRef.get(environmentId, ref, ref, ref);
    return row && toConnection(row);
  }

  list(environmentId: string): Connection[] {
    return this.sql.all.all(environmentId).map(toConnection);
  }

  /** Ids of every connection below a workspace or environment: their keychain entries go when it goes. */
  idsInWorkspace(workspaceId: string): string[] {
    return this.sql.idsInWorkspace.all(workspaceId).map((r) => r.id);
  }

  idsInEnvironment(environmentId: string): string[] {
    return this.sql.idsInEnvironment.all(environmentId).map((r) => r.id);
  }

  /** Applies the fields of `change` that are not undefined. */
  update(connection: Connection, change: ConnectionChange, user: string): Connection {
    const given = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    const next = { ...connection, ...given };
    try {
      this.sql.update.run({
        id: connection.id,
        name: next.name,
        description: next.description,
        config: toJson(next.config),
        capacity: toJson(next.capacity),
        prices: toJson(next.prices),
        now: new Date().toISOString(),
        user,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(next.name);
      throw error;
    }
    return toConnection(this.sql.byId.get(connection.id)!);
  }

  setDiscoveredCapacity(id: string, discovered: DiscoveredCapacity): void {
    this.sql.setDiscovered.run(toJson(discovered), id);
  }

  delete(id: string): void {
    this.sql.remove.run(id);
  }
}
