import { BlockedError } from '../../errors.js';
import type { Resource } from '../../store/repos/resources.js';
import {
  buildRoutingVariables,
  evaluateRouting,
  formatRule,
  type Dialect,
  type ModelRef,
} from '../../gateway/routing/index.js';
import type { EnvironmentConfig } from '../config-cache.js';
import type { ModelLabel, VmxEvent } from './respond/envelope.js';

export interface RouteDecision {
  target: ModelRef;
  event?: VmxEvent;
}

/** Hooks the routing evaluator needs from the rest of the daemon (error-rate counters, randomness). */
export interface RoutingHooks {
  errorRate(resource: Resource, target: ModelRef, windowMinutes: number, status?: number): number;
  random(): number;
}

/**
 * Evaluates the resource's routing groups in order. A matching BLOCK group rejects the request (400);
 * a matching CALL_MODEL group replaces the primary model and adds a routing event.
 */
export function route(
  env: EnvironmentConfig,
  resource: Resource,
  body: Record<string, unknown>,
  dialect: Dialect,
  hooks: RoutingHooks,
  estimate: () => number,
): RouteDecision {
  const routing = resource.routing;
  if (!routing || !routing.enabled || routing.conditions.length === 0) return { target: resource.model };
  const vars = buildRoutingVariables(dialect, body, { inputTokens: estimate, resource });
  const { decision } = evaluateRouting(routing, vars, {
    errorRate: (window, status) => hooks.errorRate(resource, resource.model, window, status),
    random: hooks.random,
  });
  const nameOf = (id: string) => env.connections.get(id)?.name;
  if (decision.kind === 'block')
    throw new BlockedError(decision.group.description ?? formatRule(decision.group, nameOf));
  if (decision.kind === 'none') return { target: resource.model };
  const target = { connectionId: decision.target.connectionId, model: decision.target.model };
  return {
    target,
    event: {
      type: 'routing',
      at: new Date().toISOString(),
      from: modelLabel(env, resource.model),
      to: modelLabel(env, target),
      rule: decision.group.description ?? formatRule(decision.group, nameOf),
    },
  };
}

export function modelLabel(env: EnvironmentConfig, ref: ModelRef): ModelLabel {
  const connection = env.connections.get(ref.connectionId);
  return {
    connection: connection?.name ?? ref.connectionId,
    provider: connection?.provider ?? 'unknown',
    model: ref.model,
  };
}
