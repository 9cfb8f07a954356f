/**
 * The routing evaluator. Safe by construction: conditions are data (a path or errorRate(...), a
 * comparator, a typed value); nothing is eval'd and no template runs. Fast by construction: a routing
 * is compiled once into closures (numbers parsed, RegExps built, lists turned into Sets), so a request
 * only walks paths and compares.
 */
import { RuntimeError } from '../../errors.js';
import { compileTest } from './compare.js';
import { parseExpression } from './expression.js';
import type { Condition, RouteGroup, RouteTarget, Routing } from './schema.js';
import type { RoutingVariables } from './variables.js';

/** What evaluation needs from the outside world; injected so tests (and `resource explain`) control it. */
export interface RoutingEnv {
  /** Failed share (0–100) of the resource's calls over the last `windowMinutes`; `status` = one status only. */
  errorRate(windowMinutes: number, status?: number): number;
  /** A number in [0, 1) for traffic draws, e.g. Math.random. */
  random(): number;
}

/** The first matching group decides; decision objects are shared between calls and must not be mutated. */
export type RoutingDecision =
  | { readonly kind: 'model'; readonly target: RouteTarget; readonly group: RouteGroup; readonly groupIndex: number }
  | { readonly kind: 'block'; readonly group: RouteGroup; readonly groupIndex: number }
  | { readonly kind: 'none' };

/** How a top-level group fared; groups after the deciding one are not evaluated and not listed. */
export type GroupOutcome = 'matched' | 'not-matched' | 'disabled' | 'traffic-not-drawn';

export interface GroupTrace {
  groupIndex: number;
  outcome: GroupOutcome;
}

export interface RoutingResult {
  decision: RoutingDecision;
  trace: GroupTrace[];
}

/** A routing ready to evaluate many times. */
export interface CompiledRouting {
  readonly routing: Routing;
  evaluate(vars: RoutingVariables, env: RoutingEnv): RoutingResult;
}

type Predicate = (vars: RoutingVariables, env: RoutingEnv) => boolean;
type Getter = (vars: RoutingVariables, env: RoutingEnv) => unknown;

const NONE: RoutingDecision = Object.freeze({ kind: 'none' });

interface CompiledGroup {
  disabled: boolean;
  test: Predicate;
  /** Percent share of matching requests that take this route; undefined = all of them. */
  traffic: number | undefined;
  decision: RoutingDecision;
}

/**
 * Compiles a stored routing (validated by `routingSchema`) for repeated evaluation.
 * Throws RuntimeError if it holds something the schema would have rejected.
 */
export function compileRouting(routing: Routing): CompiledRouting {
  const groups = routing.conditions.map((group, groupIndex): CompiledGroup => {
    const decision: RoutingDecision =
      group.action === 'BLOCK'
        ? { kind: 'block', group, groupIndex }
        : { kind: 'model', target: group.then ?? invalid(`group ${groupIndex} has no target`), group, groupIndex };
    const traffic = group.action === 'CALL_MODEL' ? group.then?.traffic : undefined;
    return {
      disabled: group.enabled === false,
      test: compileGroup(group),
      traffic: traffic !== undefined && traffic < 100 ? traffic : undefined,
      decision: Object.freeze(decision),
    };
  });
  const enabled = routing.enabled;
  return {
    routing,
    evaluate(vars, env) {
      const trace: GroupTrace[] = [];
      if (!enabled) return { decision: NONE, trace };
      for (let groupIndex = 0; groupIndex < groups.length; groupIndex++) {
        const group = groups[groupIndex]!;
        let outcome: GroupOutcome = 'matched';
        if (group.disabled) outcome = 'disabled';
        else if (!group.test(vars, env)) outcome = 'not-matched';
        // A route with a traffic share takes that share of the matching requests; the rest fall through.
        else if (group.traffic !== undefined && !(env.random() < group.traffic / 100)) outcome = 'traffic-not-drawn';
        trace.push({ groupIndex, outcome });
        if (outcome === 'matched') return { decision: group.decision, trace };
      }
      return { decision: NONE, trace };
    },
  };
}

const compiledCache = new WeakMap<Routing, CompiledRouting>();

/**
 * Evaluates a routing against one request. Compiles on first use and caches by object identity, so
 * keep the same routing object between requests (as a config cache does) to pay compilation once.
 */
export function evaluateRouting(routing: Routing, vars: RoutingVariables, env: RoutingEnv): RoutingResult {
  let compiled = compiledCache.get(routing);
  if (!compiled) {
    compiled = compileRouting(routing);
    compiledCache.set(routing, compiled);
  }
  return compiled.evaluate(vars, env);
}

/** AND = every child, OR = any; disabled sub-groups are left out, so an empty AND is true, an empty OR false. */
function compileGroup(group: RouteGroup): Predicate {
  const children = group.conditions
    .filter((child) => child.type === 'condition' || child.enabled !== false)
    .map((child) => (child.type === 'group' ? compileGroup(child) : compileCondition(child)));
  if (children.length === 1) return children[0]!;
  if (group.operator === 'AND') {
    return (vars, env) => {
      for (const child of children) if (!child(vars, env)) return false;
      return true;
    };
  }
  return (vars, env) => {
    for (const child of children) if (child(vars, env)) return true;
    return false;
  };
}

function compileCondition(condition: Condition): Predicate {
  const get = compileGetter(condition.expression);
  const test = compileTest(condition.comparator, condition.value);
  return (vars, env) => test(get(vars, env));
}

function compileGetter(expression: string): Getter {
  const parsed = parseExpression(expression);
  if (!parsed.ok) invalid(parsed.error);
  const operand = parsed.value;
  if (operand.kind === 'errorRate') {
    const { windowMinutes, status } = operand;
    return (_vars, env) => env.errorRate(windowMinutes, status);
  }
  const segments = operand.segments;
  return (vars) => {
    let current: unknown = vars;
    for (const segment of segments) {
      if (current === null || current === undefined) return undefined;
      current = step(current, segment);
    }
    return current;
  };
}

/** One path step. Own properties only, so `request.constructor` or `__proto__` read nothing. */
function step(current: unknown, segment: string): unknown {
  if (segment === 'length' && (typeof current === 'string' || Array.isArray(current))) return current.length;
  if (typeof current !== 'object' || current === null) return undefined;
  return Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
}

function invalid(message: string): never {
  throw new RuntimeError(`invalid routing: ${message}`);
}
