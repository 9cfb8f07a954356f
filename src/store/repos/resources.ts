import type { Database } from 'better-sqlite3';
import { ConflictError } from '../../errors.js';
import type { Capacity } from '../../gateway/capacity/limits.js';
import type { ModelRef, Routing } from '../../gateway/routing/schema.js';
import { fromJson, stamps, toJson, type StampColumns, type Stamps } from '../rows.js';
import { isUniqueViolation } from '../sqlite-errors.js';

/** What clients send as `model`: a primary model, routing rules, a fallback chain and limits. */
export interface Resource extends Stamps {
  id: string;
  environmentId: string;
  name: string;
  description: string | null;
  model: ModelRef;
  fallbackModels: ModelRef[];
  /** Fallbacks are tried only when this is on (the default when fallbacks exist). */
  useFallback: boolean;
  /** Alternatives chosen per request with `vmx.secondaryModelIndex`; never used for fallback or routing. */
  secondaryModels: ModelRef[];
  routing: Routing | null;
  capacity: Capacity[];
  /** Resource-level capacity is enforced only when this is on. */
  enforceCapacity: boolean;
}

export interface ResourceRow extends StampColumns {
  id: string;
  environment_id: string;
  name: string;
  description: string | null;
  model: string;
  fallback_models: string;
  use_fallback: number;
  secondary_models: string;
  routing: string | null;
  capacity: string;
  enforce_capacity: number;
}

export const toResource = (row: ResourceRow): Resource => ({
  id: row.id,
  environmentId: row.environment_id,
  name: row.name,
  description: row.description,
  model: fromJson(row.model),
  fallbackModels: fromJson(row.fallback_models),
  useFallback: row.use_fallback === 1,
  secondaryModels: fromJson(row.secondary_models),
  routing: fromJson(row.routing),
  capacity: fromJson(row.capacity),
  enforceCapacity: row.enforce_capacity === 1,
  ...stamps(row),
});

export type ResourceFields = Pick<
  Resource,
  | 'name'
  | 'description'
  | 'model'
  | 'fallbackModels'
  | 'useFallback'
  | 'secondaryModels'
  | 'routing'
  | 'capacity'
  | 'enforceCapacity'
>;

/** A resource that sends everything to one model: no fallbacks, routing or limits of its own. */
export function singleModelResource(name: string, model: ModelRef): ResourceFields {
  return {
    name,
    description: null,
    model,
    fallbackModels: [],
    useFallback: true,
    secondaryModels: [],
    routing: null,
    capacity: [],
    enforceCapacity: false,
  };
}

/** The columns of a resource's fields as both backends store them (JSON text, 0/1 flags). */
export const resourceColumns = (fields: ResourceFields) => ({
  name: fields.name,
  description: fields.description,
  model: toJson(fields.model),
  fallbackModels: toJson(fields.fallbackModels),
  useFallback: fields.useFallback ? 1 : 0,
  secondaryModels: toJson(fields.secondaryModels),
  routing: toJson(fields.routing),
  capacity: toJson(fields.capacity),
  enforceCapacity: fields.enforceCapacity ? 1 : 0,
});

export type ResourceRepo = ReturnType<typeof createResourceRepo>;

export function createResourceRepo(db: Database) {
  const insert = db.prepare(
    `INSERT INTO resources (id, environment_id, name, description, model, fallback_models, use_fallback,
                            secondary_models, routing, capacity, enforce_capacity,
                            created_at, updated_at, created_by, updated_by)
     VALUES (@id, @environmentId, @name, @description, @model, @fallbackModels, @useFallback,
             @secondaryModels, @routing, @capacity, @enforceCapacity, @now, @now, @user, @user)`,
  );
  const byId = db.prepare<[string], ResourceRow>('SELECT * FROM resources WHERE id = ?');
  const byRef = db.prepare<[string, string, string, string], ResourceRow>(
    'SELECT * FROM resources WHERE environment_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1',
  );
  const all = db.prepare<[string], ResourceRow>('SELECT * FROM resources WHERE environment_id = ? ORDER BY name');
  const update = db.prepare(
    `UPDATE resources SET name = @name, description = @description, model = @model,
            fallback_models = @fallbackModels, use_fallback = @useFallback, secondary_models = @secondaryModels,
            routing = @routing, capacity = @capacity, enforce_capacity = @enforceCapacity,
            updated_at = @now, updated_by = @user
     WHERE id = @id`,
  );
  const remove = db.prepare('DELETE FROM resources WHERE id = ?');

  const conflict = (name: string) => new ConflictError(`resource '${name}' already exists in this environment`);
  const write = (run: () => void, name: string) => {
    try {
      run();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(name);
      throw error;
    }
  };

  return {
    create(environmentId: string, fields: ResourceFields, user: string): Resource {
      const id = crypto.randomUUID();
      const now = new Date().toISOString();
      write(() => insert.run({ id, environmentId, ...resourceColumns(fields), now, user }), fields.name);
      return toResource(byId.get(id)!);
    },

    /** Finds a resource of the environment by id first, then by name. */
    find(environmentId: string, ref: string): Resource | undefined {
      const row = byRef.get(environmentId, ref, ref, ref);
      return row && toResource(row);
    },

    list(environmentId: string): Resource[] {
      return all.all(environmentId).map(toResource);
    },

    update(resource: Resource, fields: ResourceFields, user: string): Resource {
      const now = new Date().toISOString();
      write(() => update.run({ id: resource.id, ...resourceColumns(fields), now, user }), fields.name);
      return toResource(byId.get(resource.id)!);
    },

    delete(id: string): void {
      remove.run(id);
    },
  };
}

/** Every connection a resource can send traffic to: primary, fallbacks, secondaries and routing targets. */
export function referencedConnectionIds(
  resource: Pick<Resource, 'model' | 'fallbackModels' | 'secondaryModels' | 'routing'>,
): Set<string> {
  const ids = new Set<string>([resource.model.connectionId]);
  for (const ref of [...resource.fallbackModels, ...resource.secondaryModels]) ids.add(ref.connectionId);
  const visit = (groups: ReadonlyArray<{ type: string; then?: { connectionId: string }; conditions?: unknown[] }>) => {
    for (const group of groups) {
      if (group.type !== 'group') continue;
      if (group.then) ids.add(group.then.connectionId);
      visit((group.conditions ?? []) as typeof groups);
    }
  };
  if (resource.routing) visit(resource.routing.conditions as Parameters<typeof visit>[0]);
  return ids;
}
