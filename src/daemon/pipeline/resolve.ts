import { z } from 'zod';
import { InvalidRequestError, NotFoundError, ResourceNotAllowedError, VmxError } from '../../errors.js';
import { capacitySchema } from '../../gateway/capacity/limits.js';
import type { ApiKeyWithHash } from '../../store/repos/api-keys.js';
import type { Connection } from '../../store/repos/connections.js';
import { singleModelResource, type Resource } from '../../store/repos/resources.js';
import { parseRoutingDocument, resolveRouting, type ModelRef } from '../../gateway/routing/index.js';
import type { EnvironmentConfig } from '../config-cache.js';
import { checkOverridePolicy } from './override-policy.js';
import type { VmxOptions } from './request-body.js';

/** The resource a request runs against: the stored one, with any per-request overrides applied. */
export interface ResolvedResource {
  resource: Resource;
  /** Built from `vmx.resourceConfigOverrides.model` for a name that is not a stored resource. */
  ephemeral: boolean;
}

/**
 * `model` is the resource name. `vmx.resourceConfigOverrides` is merged over it for this request
 * only (with `model` present the resource need not exist). The key's allow-list is checked last.
 */
export function resolveResource(
  env: EnvironmentConfig,
  key: ApiKeyWithHash,
  name: string,
  vmx: VmxOptions,
): ResolvedResource {
  const stored = env.resources.get(name);
  const overrides = vmx.resourceConfigOverrides;
  let resource: Resource;
  if (!overrides) {
    if (!stored) throw new NotFoundError(`resource '${name}' not found`);
    resource = stored;
  } else {
    resource = applyOverrides(env, stored, name, overrides);
    if (stored && !key.allowOverrides) checkOverridePolicy(stored, resource);
  }
  if (key.resources !== null && (!stored || !key.resources.includes(stored.id)))
    throw new ResourceNotAllowedError(name);
  return { resource, ephemeral: !stored };
}

/** The model chain of this request: a secondary model alone, or the routed/primary model and then the fallbacks. */
export function secondaryModel(resource: Resource, index: number): ModelRef {
  const model = resource.secondaryModels[index];
  if (!model) {
    throw new InvalidRequestError(
      `vmx.secondaryModelIndex: ${index} is out of range (resource '${resource.name}' has ${resource.secondaryModels.length} secondary model(s))`,
    );
  }
  return model;
}

const OVERRIDABLE = new Set([
  'model',
  'fallbackModels',
  'useFallback',
  'secondaryModels',
  'routing',
  'capacity',
  'enforceCapacity',
]);

function applyOverrides(
  env: EnvironmentConfig,
  stored: Resource | undefined,
  name: string,
  overrides: Record<string, unknown>,
): Resource {
  for (const field of Object.keys(overrides)) {
    if (!OVERRIDABLE.has(field))
      throw new InvalidRequestError(`vmx.resourceConfigOverrides.${field}: cannot be overridden`);
  }
  if (!stored && overrides.model === undefined) throw new NotFoundError(`resource '${name}' not found`);
  const base: Resource = stored ?? {
    ...singleModelResource(name, { connectionId: '', model: '' }),
    id: '',
    environmentId: env.environment.id,
    createdAt: '',
    updatedAt: '',
    createdBy: 'request',
    updatedBy: 'request',
  };
  const path = (field: string) => `vmx.resourceConfigOverrides.${field}`;
  const ref = (value: unknown, field: string, fallback?: ModelRef) => modelRef(env, value, path(field), fallback);
  const list = (value: unknown, field: string) => {
    if (!Array.isArray(value)) throw new InvalidRequestError(`${path(field)}: must be an array`);
    return value.map((item, i) => ref(item, `${field}[${i}]`));
  };
  const limits = (value: unknown) => {
    const parsed = z.array(capacitySchema).safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new InvalidRequestError(
      `${path('capacity')}${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`,
    );
  };
  const flag = (value: unknown, field: string) => {
    if (typeof value !== 'boolean') throw new InvalidRequestError(`${path(field)}: must be a boolean`);
    return value;
  };
  try {
    return {
      ...base,
      model: overrides.model !== undefined ? ref(overrides.model, 'model', stored?.model) : base.model,
      fallbackModels:
        overrides.fallbackModels !== undefined ? list(overrides.fallbackModels, 'fallbackModels') : base.fallbackModels,
      secondaryModels:
        overrides.secondaryModels !== undefined
          ? list(overrides.secondaryModels, 'secondaryModels')
          : base.secondaryModels,
      useFallback: overrides.useFallback !== undefined ? flag(overrides.useFallback, 'useFallback') : base.useFallback,
      enforceCapacity:
        overrides.enforceCapacity !== undefined
          ? flag(overrides.enforceCapacity, 'enforceCapacity')
          : base.enforceCapacity,
      routing:
        overrides.routing !== undefined
          ? overrides.routing === null
            ? null
            : resolveRouting(parseRoutingDocument(overrides.routing, path('routing')), (ref) =>
                findConnection(env, ref),
              )
          : base.routing,
      capacity: overrides.capacity !== undefined ? limits(overrides.capacity) : base.capacity,
    };
  } catch (error) {
    // Routing/connection problems are the caller's input: 400 in their dialect, whatever kind was raised.
    if (error instanceof InvalidRequestError || !(error instanceof VmxError)) throw error;
    throw new InvalidRequestError(error.message);
  }
}

/** `"conn/model"`, `{connection, model}` or `{connectionId, model}`; a bare `{model}` keeps the stored connection. */
function modelRef(env: EnvironmentConfig, value: unknown, path: string, fallback?: ModelRef): ModelRef {
  if (typeof value === 'string') {
    const slash = value.indexOf('/');
    if (slash <= 0) throw new InvalidRequestError(`${path}: expected "<connection>/<model>"`);
    return { connectionId: connectionOrFail(env, value.slice(0, slash), path).id, model: value.slice(slash + 1) };
  }
  if (value && typeof value === 'object') {
    const given = value as { connection?: unknown; connectionId?: unknown; model?: unknown };
    if (typeof given.model !== 'string' || !given.model) throw new InvalidRequestError(`${path}.model: is required`);
    const connection = given.connectionId ?? given.connection;
    if (connection === undefined && fallback) return { connectionId: fallback.connectionId, model: given.model };
    if (typeof connection !== 'string') throw new InvalidRequestError(`${path}.connection: is required`);
    return { connectionId: connectionOrFail(env, connection, path).id, model: given.model };
  }
  throw new InvalidRequestError(`${path}: expected "<connection>/<model>" or {connection, model}`);
}

function findConnection(env: EnvironmentConfig, ref: string): Connection | undefined {
  const byId = env.connections.get(ref);
  if (byId) return byId;
  for (const connection of env.connections.values()) if (connection.name === ref) return connection;
  return undefined;
}

function connectionOrFail(env: EnvironmentConfig, ref: string, path: string): Connection {
  const connection = findConnection(env, ref);
  if (!connection) throw new InvalidRequestError(`${path}: connection '${ref}' not found in this environment`);
  return connection;
}
