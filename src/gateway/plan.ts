import {
  buildRoutingVariables,
  evaluateRouting,
  type ModelRef,
  type RouteGroup,
  type RouteTarget,
  type Routing,
  type RoutingEnv,
} from './routing/index.js';

/** What a plan reads of a resource (a stored resource, or one with per-request overrides applied). */
export interface PlannedResource {
  model: ModelRef;
  fallbackModels: readonly ModelRef[];
  useFallback: boolean;
  routing: Routing | null;
}

/** A request as routing reads it. */
export interface PlanRequest {
  body: Record<string, unknown>;
  /** The conversation as chat messages (each inbound dialect says how: providers/dialects/inbound.ts). */
  messages: readonly Record<string, unknown>[];
  /** The input-token estimate, or how to compute it: only when a rule reads `tokens.input`. */
  inputTokens: number | (() => number);
}

/** The rule that routed a request away from the primary model. */
export interface Routed {
  target: RouteTarget;
  group: RouteGroup;
  groupIndex: number;
}

/** A request is blocked by a rule, or has a chain of models to try in order. */
export type Plan =
  { kind: 'block'; group: RouteGroup; groupIndex: number } | { kind: 'chain'; chain: ModelRef[]; routed?: Routed };

/**
 * Routing decision → attempt chain: the resource's rules are evaluated in order (the first match
 * decides; a BLOCK rule blocks), and the chosen model is followed by the fallbacks when the resource
 * uses them. The daemon and `vmx resource explain` both plan with this.
 */
export function plan(resource: PlannedResource, request: PlanRequest, env: RoutingEnv): Plan {
  const routing = resource.routing;
  const fallbacks = resource.useFallback ? resource.fallbackModels : [];
  if (!routing || !routing.enabled || routing.conditions.length === 0) {
    return { kind: 'chain', chain: [resource.model, ...fallbacks] };
  }
  const { decision } = evaluateRouting(routing, variables(resource, request), env);
  if (decision.kind === 'block') return { kind: 'block', group: decision.group, groupIndex: decision.groupIndex };
  if (decision.kind === 'none') return { kind: 'chain', chain: [resource.model, ...fallbacks] };
  const target = { connectionId: decision.target.connectionId, model: decision.target.model };
  return {
    kind: 'chain',
    chain: [target, ...fallbacks],
    routed: { target: decision.target, group: decision.group, groupIndex: decision.groupIndex },
  };
}

/** How each rule fares on its own against the request (for `resource explain`): traffic shares are not drawn. */
export function ruleOutcomes(
  resource: PlannedResource,
  request: PlanRequest,
  env: RoutingEnv,
): Array<'disabled' | 'match' | 'no match'> {
  const vars = variables(resource, request);
  return (resource.routing?.conditions ?? []).map((group) => {
    if (group.enabled === false) return 'disabled';
    return evaluateRouting({ enabled: true, conditions: [group] }, vars, env).decision.kind === 'none'
      ? 'no match'
      : 'match';
  });
}

function variables(resource: PlannedResource, request: PlanRequest) {
  return buildRoutingVariables(request.messages, request.body, { inputTokens: request.inputTokens, resource });
}
