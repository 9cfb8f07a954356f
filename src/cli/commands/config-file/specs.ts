import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../../../errors.js';
import { formatLimits, parseLimits } from '../../../gateway/capacity/limits.js';
import {
  formatRule,
  parseRoutingDocument,
  parseRule,
  resolveRouting,
  type ModelRef,
  type Routing,
  type RoutingInput,
} from '../../../gateway/routing/index.js';
import { formatPriceSpec } from '../../../pricing/price-spec.js';
import { isProviderId, providers } from '../../../providers/registry.js';
import type { ApiKey } from '../../../store/repos/api-keys.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { Pool } from '../../../store/repos/pools.js';
import type { ResourceFields } from '../../../store/repos/resources.js';
import { parsePrices } from '../connection/prices.js';
import type { ConnectionSpec, KeySpec, PoolSpec, ResourceSpec } from './format.js';
import { at, type FilePath, type Locator } from './read-file.js';

/**
 * The file's entities to and from the store's: by name in the file, by id in the store. `Names` maps
 * between the two within one environment; comparing a file with the store goes through the same
 * functions both ways, so that two spellings of one setting (limits in another order, a routing file
 * that one-line rules can say) compare equal.
 */
export interface Names {
  nameOf(id: string): string | undefined;
  idOf(name: string): string | undefined;
}

/** Names as their own ids: how a file's entities are put in the form the store would give back. */
export const identityNames: Names = { nameOf: (id) => id, idOf: (name) => name };

/** Leaves out what is empty or default, so the file shows only what was set. */
function compact<T extends object>(value: T): T {
  const kept = Object.entries(value).filter(
    ([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0),
  );
  return Object.fromEntries(kept) as T;
}

const sortedKeys = (object: Record<string, unknown>) =>
  Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, object[key]]),
  );

/** Keys sorted at every level: PostgreSQL's jsonb does not keep the order they were written in. */
function deepSorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepSorted);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, deepSorted(object[key])]),
  );
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function connectionSpec(connection: Connection, secretVar: string | undefined): ConnectionSpec {
  return compact({
    name: connection.name,
    provider: connection.provider,
    description: connection.description ?? undefined,
    config: Object.keys(connection.config).length > 0 ? sortedKeys(connection.config) : undefined,
    apiKeyEnv: secretVar,
    limits: formatLimits(connection.capacity),
    prices: connection.prices.map(formatPriceSpec),
  });
}

/** A connection of the file as the store keeps it: provider, config checked by the provider's schema, limits, prices. */
export function connectionFields(spec: ConnectionSpec, locate: Locator, path: FilePath) {
  const provider = spec.provider;
  if (!isProviderId(provider)) {
    throw locate([...path, 'provider'], `unknown provider '${provider}' (one of ${Object.keys(providers).join(', ')})`);
  }
  const given = { ...spec.config };
  if (typeof given.baseUrl === 'string') given.baseUrl = given.baseUrl.replace(/\/+$/, '');
  const parsed = providers[provider].config.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw locate([...path, 'config', ...(issue.path as string[])], issue.message);
  }
  return {
    provider,
    description: spec.description ?? null,
    config: parsed.data as Record<string, unknown>,
    capacity: limitsAt(locate, [...path, 'limits'], spec.limits),
    prices: at(locate, [...path, 'prices'], () => parsePrices(spec.prices ?? [])),
  };
}

/** Limits in their `--limit` form: a bad one is reported at its own line, a clash between two at the list. */
function limitsAt(locate: Locator, path: FilePath, specs: string[] = []) {
  specs.forEach((spec, i) => at(locate, [...path, i], () => parseLimits([spec])));
  return at(locate, path, () => parseLimits(specs));
}

const modelText = (ref: ModelRef, names: Names) => `${names.nameOf(ref.connectionId) ?? ref.connectionId}/${ref.model}`;

export function resourceSpec(resource: ResourceFields, names: Names): ResourceSpec {
  return compact({
    name: resource.name,
    description: resource.description ?? undefined,
    model: modelText(resource.model, names),
    fallback: resource.fallbackModels.map((m) => modelText(m, names)),
    useFallback: resource.useFallback ? undefined : false,
    secondary: resource.secondaryModels.map((m) => modelText(m, names)),
    ...routingSpec(resource.routing, names),
    limits: formatLimits(resource.capacity),
    enforceCapacity: resource.enforceCapacity || undefined,
  });
}

/**
 * Routing as one-line rules when they say all of it (read back, they give the same routing), else
 * the full JSON form with connections by name.
 */
function routingSpec(routing: Routing | null, names: Names): Pick<ResourceSpec, 'routes' | 'routing'> {
  if (!routing) return {};
  const routes = routing.conditions.map((group) => formatRule(group, names.nameOf));
  try {
    const again = resolveRouting({ enabled: true, conditions: routes.map((rule) => parseRule(rule)) }, resolver(names));
    if (routing.enabled && isDeepStrictEqual(again, routing)) return { routes };
  } catch {
    // A rule that does not read back: the JSON form says it.
  }
  const conditions = routing.conditions.map((group) => {
    if (!group.then) return group;
    const { connectionId, ...target } = group.then;
    return { ...group, then: { connection: names.nameOf(connectionId) ?? connectionId, ...target } };
  });
  return { routing: deepSorted({ enabled: routing.enabled, conditions }) };
}

const resolver = (names: Names) => (ref: string) => {
  const id = names.idOf(ref);
  return id === undefined ? undefined : { id, name: ref, provider: '' };
};

/** A resource of the file as the store keeps it; a connection it names must be in `names`. */
export function resourceFields(spec: ResourceSpec, names: Names, locate: Locator, path: FilePath): ResourceFields {
  const ref = (text: string, where: FilePath): ModelRef => {
    const slash = text.indexOf('/');
    if (slash <= 0 || slash === text.length - 1)
      throw locate(where, `'${text}' is not <connection>/<model>, e.g. oa/gpt-4o-mini`);
    const connectionId = names.idOf(text.slice(0, slash));
    if (connectionId === undefined)
      throw locate(where, `connection '${text.slice(0, slash)}' is not in this environment`);
    return { connectionId, model: text.slice(slash + 1) };
  };
  if (spec.routes && spec.routing !== undefined)
    throw locate([...path, 'routing'], 'give routing one way: routes or routing');
  let input: RoutingInput | undefined;
  if (spec.routes) {
    const conditions = spec.routes.map((rule, i) => at(locate, [...path, 'routes', i], () => parseRule(rule, 'route')));
    input = { enabled: true, conditions };
  } else if (spec.routing !== undefined) {
    input = at(locate, [...path, 'routing'], () => parseRoutingDocument({ routing: spec.routing }, 'routing'));
  }
  const routing = input && at(locate, [...path, 'routing'], () => resolveRouting(input, resolver(names)));
  return {
    name: spec.name,
    description: spec.description ?? null,
    model: ref(spec.model, [...path, 'model']),
    fallbackModels: (spec.fallback ?? []).map((m, i) => ref(m, [...path, 'fallback', i])),
    useFallback: spec.useFallback ?? true,
    secondaryModels: (spec.secondary ?? []).map((m, i) => ref(m, [...path, 'secondary', i])),
    routing: routing && routing.conditions.length > 0 ? routing : null,
    capacity: limitsAt(locate, [...path, 'limits'], spec.limits),
    enforceCapacity: spec.enforceCapacity ?? false,
  };
}

/** Resource names of an allow-list or a pool, sorted: the order means nothing. */
const resourceNames = (ids: readonly string[], names: Names) =>
  [...new Set(ids.map((id) => names.nameOf(id) ?? id))].sort(byText);

export function keySpec(key: Pick<ApiKey, Exclude<keyof KeySpec, 'limits'> | 'capacity'>, names: Names): KeySpec {
  return compact({
    name: key.name,
    description: key.description ?? undefined,
    resources: key.resources ? resourceNames(key.resources, names) : undefined,
    limits: formatLimits(key.capacity),
    enabled: key.enabled ? undefined : false,
    expiresAt: key.expiresAt ?? undefined,
    allowOverrides: key.allowOverrides || undefined,
  });
}

/** A key of the file as the store keeps it (its resources by id). */
export function keyFields(spec: KeySpec, names: Names, locate: Locator, path: FilePath) {
  return {
    name: spec.name,
    description: spec.description ?? null,
    resources:
      spec.resources?.map((name, i) => names.idOf(name) ?? notIn(locate, [...path, 'resources', i], name)) ?? null,
    capacity: limitsAt(locate, [...path, 'limits'], spec.limits),
    enabled: spec.enabled ?? true,
    expiresAt: spec.expiresAt === undefined ? null : new Date(spec.expiresAt).toISOString(),
    allowOverrides: spec.allowOverrides ?? false,
  };
}

export function poolSpec(pool: Pick<Pool, 'name' | 'rank' | 'min' | 'max' | 'resourceIds'>, names: Names): PoolSpec {
  return {
    name: pool.name,
    rank: pool.rank,
    min: pool.min,
    max: pool.max,
    resources: resourceNames(pool.resourceIds, names),
  };
}

export function poolFields(spec: PoolSpec, names: Names, locate: Locator, path: FilePath) {
  const resourceIds = spec.resources.map(
    (name, i) => names.idOf(name) ?? notIn(locate, [...path, 'resources', i], name),
  );
  return { name: spec.name, rank: spec.rank, min: spec.min, max: spec.max, resourceIds };
}

function notIn(locate: Locator, path: FilePath, name: string): never {
  throw locate(path, `resource '${name}' is not in this environment`);
}

/** A file's spelling of an entity as an export would write it (to compare it with the store's). */
export const canonical = {
  connection: (spec: ConnectionSpec, locate: Locator, path: FilePath): ConnectionSpec => {
    const fields = connectionFields(spec, locate, path);
    const { apiKeyEnv, ...rest } = connectionSpec({ ...spec, ...fields } as unknown as Connection, spec.apiKeyEnv);
    return apiKeyEnv === undefined ? rest : { ...rest, apiKeyEnv };
  },
  resource: (spec: ResourceSpec, names: Names, locate: Locator, path: FilePath) =>
    resourceSpec(resourceFields(spec, names, locate, path), names),
  key: (spec: KeySpec, names: Names, locate: Locator, path: FilePath) =>
    keySpec(keyFields(spec, names, locate, path), names),
  pool: (spec: PoolSpec, names: Names, locate: Locator, path: FilePath) =>
    poolSpec(poolFields(spec, names, locate, path), names),
};

export { byText };

/** A usage error for a file problem without a place in the file. */
export const fileProblem = (message: string) => new UsageError(message);
