import { readFileSync } from 'node:fs';
import { UsageError } from '../../../errors.js';
import { counterKey, type CapacityLevel } from '../../../gateway/capacity/gate.js';
import type { Capacity } from '../../../gateway/capacity/limits.js';
import { windowOf } from '../../../gateway/capacity/windows.js';
import { estimateInputTokens } from '../../../gateway/estimate/token-estimate.js';
import { ERROR_RATE_HISTORY_MINUTES, ErrorRates } from '../../../gateway/health/error-rates.js';
import { plan, ruleOutcomes } from '../../../gateway/plan.js';
import { formatRule, type ModelRef } from '../../../gateway/routing/index.js';
import { dialectOfRoute, inboundSpec } from '../../../providers/registry.js';
import type { CounterRow } from '../../../store/repos/capacity-counters.js';
import type { Resource } from '../../../store/repos/resources.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { StoreBackend } from '../../../store/backend.js';
import { readPoolStates } from '../../../store/pool-state-reader.js';
import { minuteTokenBudget } from '../../../gateway/pools/gate.js';
import { decide } from '../../../gateway/pools/scaling.js';
import type { CliContext } from '../../context.js';
import type { Output } from '../../io/output.js';
import { readAll } from '../../io/stdin.js';
import { findResource } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, text } from '../../verb.js';

/**
 * A dry run of routing for one request body: each rule's outcome, the model the daemon would call,
 * the fallback chain, and the limits that would apply with their use in the current windows. The same
 * plan, variables, token estimate and error rates (from the recorded attempts) as the daemon.
 */
export const verb = defineVerb({
  flags: {
    request: text('--request <file.json|->', 'the request body, as a client would send it'),
    // `--route` is a routing rule elsewhere (`resource add --route '<rule>'`); here it names the API the
    // body is written for, so `--dialect` says that, and `--route` stays for the scripts that use it.
    dialect: text('--dialect <dialect>', 'the API the body is written for: chat, responses or messages (default chat)'),
    route: text('--route <route>', 'the same as --dialect'),
  },
  async run(flags, ctx, [ref]) {
    if (flags.dialect !== undefined && flags.route !== undefined && flags.dialect !== flags.route)
      throw new UsageError(`--dialect '${flags.dialect}' and --route '${flags.route}' disagree: give one`);
    const route = flags.dialect ?? flags.route ?? 'chat';
    const dialect = dialectOfRoute(route);
    const given = flags.dialect !== undefined ? '--dialect' : '--route';
    if (!dialect) throw new UsageError(`invalid ${given} '${route}': expected chat, responses or messages`);
    const file = flags.request;
    if (!file) throw new UsageError('missing required flag --request <file.json|->');
    const body = parseBody(file === '-' ? await readAll(ctx.deps.stdin) : readFile(file), file);

    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const resource = await findResource(scope, store, await required(ctx, ref, '<resource>', 'Resource'));
    const connections = new Map((await store.connections.list(scope.environment.id)).map((c) => [c.id, c]));
    const label = (model: ModelRef) =>
      `${connections.get(model.connectionId)?.name ?? model.connectionId}/${model.model}`;
    const nameOf = (id: string) => connections.get(id)?.name;

    const now = Date.now();
    const history = await store.usage.attemptsSince(now - ERROR_RATE_HISTORY_MINUTES * 60_000);
    const rates = ErrorRates.fromHistory(
      () => now,
      () => history,
    );
    const inputTokens = estimateInputTokens(body);
    const request = { body, messages: inboundSpec(dialect).messages(body), inputTokens };
    const env = {
      errorRate: (window: number, status?: number) =>
        rates.rate(resource.id, resource.model.connectionId, resource.model.model, window, status),
      random: () => 0, // a traffic share is reported as a share, not drawn
    };

    const outcomes = ruleOutcomes(resource, request, env);
    const rules = (resource.routing?.conditions ?? []).map((group, index) => ({
      index,
      rule: formatRule(group, nameOf),
      outcome: outcomes[index]!,
      ...(group.then?.traffic !== undefined && { traffic: group.then.traffic }),
    }));
    const decided = plan(resource, request, env);
    const chain = decided.kind === 'block' ? [] : decided.chain;
    const view = {
      resource: resource.name,
      route,
      estimatedInputTokens: inputTokens,
      routingEnabled: resource.routing?.enabled ?? false,
      rules,
      decision:
        decided.kind === 'block'
          ? { action: 'block', rule: rules[decided.groupIndex]!.rule }
          : decided.routed
            ? {
                action: 'route',
                model: label(chain[0]!),
                rule: rules[decided.routed.groupIndex]!.rule,
                ...(decided.routed.target.traffic !== undefined && { traffic: decided.routed.target.traffic }),
              }
            : { action: 'primary', model: label(chain[0]!) },
      chain: chain.map(label),
      limits: limitsFor(await store.capacityCounters.all(), resource, chain, connections, now),
      pools: await poolDecisions(ctx, store, resource, chain, connections, inputTokens, now),
    };
    if (ctx.out.json) return ctx.out.writeJson(view);
    printExplanation(ctx.out, view);
  },
});

/** What `explain` found, as the human output reads it (the JSON output is the same object). */
interface Explanation {
  resource: string;
  route: string;
  estimatedInputTokens: number;
  rules: { index: number; rule: string; outcome: string; traffic?: number }[];
  decision: { action: string; rule?: string; model?: string };
  chain: string[];
  limits: { level: string; name: string; spec: string; used: string; period: string }[];
  pools: {
    pool: string;
    connection: string;
    admitted: boolean;
    retryAfterSeconds?: number;
    share: number;
    budget: number;
    used: number;
  }[];
}

/** The dry run for a reader: rules, decision, chain, limits and pool decisions, a line each. */
function printExplanation(out: Output, view: Explanation): void {
  out.message(`resource ${view.resource} (${view.route}), estimated input tokens: ${view.estimatedInputTokens}`);
  for (const r of view.rules) {
    const share =
      r.traffic !== undefined && r.outcome === 'match'
        ? ` (taken in ${r.traffic}% of requests, else the next rule)`
        : '';
    out.message(`  rule ${r.index + 1}: ${r.rule} → ${r.outcome}${share}`);
  }
  if (view.rules.length === 0) out.message('  no routing rules');
  const d = view.decision;
  out.message(
    d.action === 'block'
      ? `decision: blocked by "${d.rule}" (400, no provider call)`
      : `decision: ${d.model}${d.rule !== undefined ? ` (rule "${d.rule}")` : ' (primary model)'}`,
  );
  if (view.chain.length) out.message(`attempt chain: ${view.chain.join(' → ')}`);
  for (const l of view.limits)
    out.message(`limit: ${l.level} ${l.name}: ${l.spec} (used ${l.used} in the current ${l.period})`);
  for (const p of view.pools) {
    const decision = p.admitted ? 'admitted' : `denied (retry in ${p.retryAfterSeconds}s)`;
    out.message(
      `pool: ${p.pool} on ${p.connection}: ${decision}, share ${p.share}% of ${p.budget} tokens a minute, ${p.used} used this minute`,
    );
  }
}

/**
 * The pool decision on each connection of the chain, as the gate would take it now: the scaling step
 * run on the allocation the daemons last saved (not saved back: a dry run).
 */
async function poolDecisions(
  ctx: CliContext,
  store: StoreBackend,
  resource: Resource,
  chain: ModelRef[],
  connections: Map<string, Connection>,
  estimate: number,
  now: number,
) {
  const pools = await store.pools.list(resource.environmentId);
  const pool = pools.find((p) => p.resourceIds.includes(resource.id));
  if (!pool) return [];
  const governed = [...new Set(chain.map((m) => m.connectionId))]
    .map((id) => connections.get(id))
    .filter((c): c is Connection => c !== undefined && minuteTokenBudget(c.capacity) !== undefined);
  const states = await readPoolStates(
    store,
    ctx.storeUrls().redisUrl,
    governed.map((c) => c.id),
  );
  return governed.map((connection) => {
    const budget = minuteTokenBudget(connection.capacity)!;
    const { verdict } = decide(states.get(connection.id), { pools, pool: pool.name, estimate, budget, now });
    return {
      connection: connection.name,
      pool: pool.name,
      budget,
      admitted: verdict.admitted,
      share: verdict.share,
      used: verdict.admitted ? verdict.used - estimate : verdict.used,
      ...(!verdict.admitted && { retryAfterSeconds: verdict.retryAfterSeconds }),
    };
  });
}

function limitsFor(
  counters: readonly CounterRow[],
  resource: Resource,
  chain: ModelRef[],
  connections: Map<string, { id: string; name: string; capacity: Capacity[] }>,
  now: number,
) {
  const saved = new Map(counters.map((row) => [row.key, row]));
  const used = (key: string, period: Capacity['period']) => {
    const row = saved.get(key);
    return row && row.windowStart === windowOf(period, now).start ? row : { requests: 0, tokens: 0 };
  };
  const describe = (level: CapacityLevel, id: string, name: string, capacity: Capacity) => {
    const counter = used(counterKey(level, id, capacity.period), capacity.period);
    const parts = [
      capacity.requests !== undefined && `${capacity.requests} requests`,
      capacity.tokens !== undefined && `${capacity.tokens} tokens`,
    ].filter(Boolean);
    const usedParts = [
      capacity.requests !== undefined && `${counter.requests} requests`,
      capacity.tokens !== undefined && `${counter.tokens} tokens`,
    ].filter(Boolean);
    return {
      level,
      name,
      period: capacity.period,
      requests: capacity.requests,
      tokens: capacity.tokens,
      spec: `${parts.join(' + ')} per ${capacity.period}`,
      used: usedParts.join(', '),
      usedRequests: counter.requests,
      usedTokens: counter.tokens,
    };
  };
  const limits = resource.enforceCapacity
    ? resource.capacity.map((c) => describe('resource', resource.id, resource.name, c))
    : [];
  for (const id of new Set(chain.map((m) => m.connectionId))) {
    const connection = connections.get(id);
    if (connection)
      limits.push(...connection.capacity.map((c) => describe('connection', connection.id, connection.name, c)));
  }
  return limits;
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `invalid --request: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function parseBody(text: string, file: string): Record<string, unknown> {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // below
  }
  throw new UsageError(`invalid --request: ${file} is not a JSON object`);
}
