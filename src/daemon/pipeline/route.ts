import { BlockedError } from '../../errors.js';
import { plan } from '../../gateway/plan.js';
import { formatRule, type ModelRef } from '../../gateway/routing/index.js';
import { inboundSpec, type InboundDialect } from '../../providers/dialects/inbound.js';
import type { Resource } from '../../store/repos/resources.js';
import type { EnvironmentConfig } from '../config-cache.js';
import type { ModelLabel, VmxEvent } from './respond/envelope.js';

export interface RouteDecision {
  /** The models to try, in order: the chosen one, then the fallbacks. */
  chain: ModelRef[];
  event?: VmxEvent;
}

/** Hooks the routing evaluator needs from the rest of the daemon (error-rate counters, randomness). */
export interface RoutingHooks {
  errorRate(resource: Resource, target: ModelRef, windowMinutes: number, status?: number): number;
  random(): number;
}

/**
 * Plans the request (gateway/plan.ts): a matching BLOCK rule rejects it (400); a matching rule that
 * routes replaces the primary model and adds a routing event; the fallbacks follow.
 */
export function route(
  env: EnvironmentConfig,
  resource: Resource,
  body: Record<string, unknown>,
  dialect: InboundDialect,
  hooks: RoutingHooks,
  estimate: () => number,
): RouteDecision {
  const request = { body, messages: inboundSpec(dialect).messages(body), inputTokens: estimate };
  const decided = plan(resource, request, {
    errorRate: (window, status) => hooks.errorRate(resource, resource.model, window, status),
    random: hooks.random,
  });
  const nameOf = (id: string) => env.connections.get(id)?.name;
  if (decided.kind === 'block') throw new BlockedError(decided.group.description ?? formatRule(decided.group, nameOf));
  const { chain, routed } = decided;
  if (!routed) return { chain };
  return {
    chain,
    event: {
      type: 'routing',
      at: new Date().toISOString(),
      from: modelLabel(env, resource.model),
      to: modelLabel(env, chain[0]!),
      rule: routed.group.description ?? formatRule(routed.group, nameOf),
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
