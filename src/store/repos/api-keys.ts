import type { Database } from 'better-sqlite3';
import { ConflictError } from '../../errors.js';
import type { Capacity } from '../../gateway/capacity/limits.js';
import { fromJson, stamps, toJson, type StampColumns, type Stamps } from '../rows.js';
import { isUniqueViolation } from '../sqlite-errors.js';

/** An API key of one environment. Only its hash and a masked form are stored. */
export interface ApiKey extends Stamps {
  id: string;
  environmentId: string;
  name: string;
  description: string | null;
  maskedKey: string;
  /** Resource ids this key may call; null = every resource of its environment. */
  resources: string[] | null;
  capacity: Capacity[];
  enabled: boolean;
  expiresAt: string | null;
  /** Its requests' `vmx.resourceConfigOverrides` may lift a resource's limits and drop its block rules. */
  allowOverrides: boolean;
}

/** A key as the daemon needs it for authentication. */
export interface ApiKeyWithHash extends ApiKey {
  keyHash: string;
}

export interface ApiKeyRow extends StampColumns {
  id: string;
  environment_id: string;
  name: string;
  description: string | null;
  key_hash: string;
  masked_key: string;
  resources: string | null;
  capacity: string;
  enabled: number;
  expires_at: string | null;
  allow_overrides: number;
}

export const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  environmentId: row.environment_id,
  name: row.name,
  description: row.description,
  maskedKey: row.masked_key,
  resources: fromJson(row.resources),
  capacity: fromJson(row.capacity),
  enabled: row.enabled === 1,
  expiresAt: row.expires_at,
  allowOverrides: row.allow_overrides === 1,
  ...stamps(row),
});

export function createApiKeyRepo(db: Database): ApiKeyRepo {
  return new ApiKeyRepo(db);
}

function statements(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO api_keys (id, environment_id, name, description, key_hash, masked_key, resources, capacity,
                             enabled, expires_at, allow_overrides, created_at, updated_at, created_by, updated_by)
       VALUES (@id, @environmentId, @name, @description, @keyHash, @maskedKey, @resources, @capacity,
               1, @expiresAt, @allowOverrides, @now, @now, @user, @user)`,
    ),
    byId: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    byRef: db.prepare<[string, string, string, string], ApiKeyRow>(
      'SELECT * FROM api_keys WHERE environment_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1',
    ),
    all: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE environment_id = ? ORDER BY name'),
    everything: db.prepare<[], ApiKeyRow>('SELECT * FROM api_keys'),
    setEnabled: db.prepare('UPDATE api_keys SET enabled = ?, updated_at = ?, updated_by = ? WHERE id = ?'),
    setResources: db.prepare('UPDATE api_keys SET resources = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM api_keys WHERE id = ?'),
  };
}

export class ApiKeyRepo {
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly db: Database) {
    this.sql = statements(db);
  }

  create(input: {
    environmentId: string;
    name: string;
    description?: string | null;
    keyHash: string;
    maskedKey: string;
    resources: string[] | null;
    capacity: Capacity[];
    expiresAt: string | null;
    allowOverrides?: boolean;
    user: string;
  }): ApiKey {
    const id = crypto.randomUUID();
    try {
      this.sql.insert.run({
        ...input,
        id,
        description: input.description ?? null,
        allowOverrides: input.allowOverrides ? 1 : 0,
        resources: toJson(input.resources),
        capacity: toJson(input.capacity),
        now: new Date().toISOString(),
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`API key '${input.name}' already exists in this environment`);
      throw error;
    }
    return toApiKey(this.sql.byId.get(id)!);
  }

  /** Finds a key of the environment by id first, then by name. */
  find(environmentId: string, ref: string): ApiKey | undefined {
    const row = this.sql.byRef.get(environmentId, ref, ref, ref);
    return row && toApiKey(row);
  }

  list(environmentId: string): ApiKey[] {
    return this.sql.all.all(environmentId).map(toApiKey);
  }

  /** Every key with its hash, for the daemon's in-memory lookup table. */
  listWithHashes(): ApiKeyWithHash[] {
    return this.sql.everything.all().map((row) => ({ ...toApiKey(row), keyHash: row.key_hash }));
  }

  setEnabled(key: ApiKey, enabled: boolean, user: string): ApiKey {
    this.sql.setEnabled.run(enabled ? 1 : 0, new Date().toISOString(), user, key.id);
    return toApiKey(this.sql.byId.get(key.id)!);
  }

  /** Takes a deleted resource out of every allow-list of its environment (a list may become empty: no access). */
  forgetResource(environmentId: string, resourceId: string): void {
    const { all, setResources } = this.sql;
    this.db
      .transaction(() => {
        for (const row of all.all(environmentId)) {
          const allowed = fromJson<string[] | null>(row.resources);
          if (allowed?.includes(resourceId))
            setResources.run(toJson(allowed.filter((id) => id !== resourceId)), row.id);
        }
      })
      .immediate();
  }

  delete(id: string): void {
    this.sql.remove.run(id);
  }
}
