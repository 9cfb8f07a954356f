/**
 * Input form → stored form: connection references (name or id) become ids through a lookup the
 * caller provides (the store, scoped to one environment), and compatibility-only fields are dropped.
 */
import { NotFoundError, UsageError } from '../../errors.js';
import type {
  Condition,
  ConditionInput,
  RouteGroup,
  RouteGroupInput,
  RouteTarget,
  RouteTargetInput,
  Routing,
  RoutingInput,
} from './schema.js';

/** What a connection lookup returns. */
export interface ConnectionInfo {
  id: string;
  name: string;
  provider: string;
}

/** Finds a connection of the current environment by name or id; undefined when there is none. */
export type ConnectionResolver = (nameOrId: string) => ConnectionInfo | undefined;

/**
 * Resolves every top-level target's connection and returns the routing as stored.
 * Throws NotFoundError naming an unknown connection, UsageError when `connection` and `connectionId`
 * of one target name different connections. Dropped on the way: `provider` (the connection decides),
 * `mode`/`expression` of groups, the value of EXISTS conditions, targets of BLOCK and nested groups
 * (they never take effect).
 */
export function resolveRouting(input: RoutingInput, resolveConnection: ConnectionResolver): Routing {
  return {
    enabled: input.enabled,
    conditions: input.conditions.map((group, index) => resolveGroup(group, `conditions[${index}]`, resolveConnection)),
  };
}

function resolveGroup(group: RouteGroupInput, path: string, resolveConnection?: ConnectionResolver): RouteGroup {
  const conditions = group.conditions.map((child) =>
    child.type === 'group' ? resolveGroup(child, path) : resolveCondition(child),
  );
  const then =
    resolveConnection && group.action === 'CALL_MODEL' && group.then
      ? resolveTarget(group.then, `${path}.then`, resolveConnection)
      : undefined;
  return {
    type: 'group',
    ...(group.id !== undefined && { id: group.id }),
    ...(group.description !== undefined && { description: group.description }),
    ...(group.enabled !== undefined && { enabled: group.enabled }),
    operator: group.operator,
    conditions,
    action: group.action,
    ...(then && { then }),
  };
}

function resolveCondition(condition: ConditionInput): Condition {
  const { value } = condition;
  return {
    type: 'condition',
    ...(condition.id !== undefined && { id: condition.id }),
    ...(condition.label !== undefined && { label: condition.label }),
    expression: condition.expression,
    comparator: condition.comparator,
    ...(condition.comparator !== 'EXISTS' &&
      value && { value: { type: value.type, expression: value.expression ?? '' } }),
  };
}

function resolveTarget(target: RouteTargetInput, path: string, resolveConnection: ConnectionResolver): RouteTarget {
  const lookup = (ref: string): ConnectionInfo => {
    const found = resolveConnection(ref);
    if (!found) {
      throw new NotFoundError(
        `connection '${ref}' not found (routing ${path})`,
        'list connections with: vmx connection list',
      );
    }
    return found;
  };
  const byId = target.connectionId !== undefined ? lookup(target.connectionId) : undefined;
  const byName = target.connection !== undefined ? lookup(target.connection) : undefined;
  if (byId && byName && byId.id !== byName.id) {
    throw new UsageError(
      `routing ${path}: connection '${target.connection}' and connectionId '${target.connectionId}' ` +
        'are different connections; give one',
    );
  }
  const connection = (byId ?? byName)!;
  return {
    connectionId: connection.id,
    model: target.model,
    ...(target.traffic !== undefined && { traffic: target.traffic }),
  };
}
