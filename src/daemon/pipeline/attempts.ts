import { CapacityError, ProviderError, UpstreamError, type AttemptFailure, type ProviderAnswer } from '../../errors.js';
import type { ProviderAdapter, ConnectionTarget } from '../../providers/types.js';
import { UpstreamUnavailable } from '../../providers/types.js';
import type { CallSignal } from '../../providers/cancel.js';
import { redactSecrets } from '../../providers/redact.js';
import type { Connection } from '../../store/repos/connections.js';
import type { ModelRef } from '../../gateway/routing/index.js';
import {
  isRejection,
  type Admission,
  type CapacityGate,
  type CapacityRejection,
  type Verdict,
} from '../../gateway/capacity/gate.js';
import {
  isPoolRejection,
  minuteTokenBudget,
  type PoolAdmission,
  type PoolGate,
  type PoolOutcome,
} from '../../gateway/pools/gate.js';
import type { LiveConfig } from '../config-snapshot.js';
import { connectionLimits, countsTokens } from './limit-sets.js';
import type { ModelLabel } from './respond/envelope.js';
import type { Exchange } from './exchange.js';
import { modelLabel } from './route.js';

/** One model of the chain, ready to call. */
export interface Attempt {
  ref: ModelRef;
  connection: Connection;
  label: ModelLabel;
  target: ConnectionTarget;
  adapter: ProviderAdapter;
  /** performance.now() when the attempt started. */
  startedAt: number;
  /** What the capacity gate charged for this attempt (reconciled with real usage afterwards). */
  admission?: Admission;
  /** What its pool was charged, when the resource is in a pool (reconciled likewise). */
  pooled?: PoolAdmission;
}

/**
 * Thrown by an attempt that failed before anything reached the client; `answer` is the provider's
 * error answer when it sent one (vs. an answer vmx could not use).
 */
export class AttemptFailed extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly answer?: ProviderAnswer,
  ) {
    super(reason);
  }
}

/** The client went away; nothing more is sent or tried. */
export class ClientGone extends Error {}

/** HTTP.md "Fallback": everything but a provider's 400/422 (the request itself is wrong) is worth another model. */
export const worthFallingBack = (status: number) => status !== 400 && status !== 422;

export interface AttemptDeps {
  config: LiveConfig;
  adapters: Partial<Record<string, ProviderAdapter>>;
  gate: CapacityGate;
  /** The prioritization gate (after capacity); absent in tests of the pipeline without pools. */
  pools?: PoolGate;
  record: (usage: Exchange['attempts'][number]) => void;
}

/**
 * Tries the chain in order. `tryOne` sends the response and returns on success, or throws
 * AttemptFailed before the first byte reaches the client; failed attempts get a usage row and, when
 * another model follows, a fallback event. When every attempt failed, the last one decides the answer:
 * the provider's own error (ProviderError), the connection's capacity refusal (CapacityError), or no
 * usable answer (UpstreamError, naming each failure). Anything else thrown is a bug in the gateway: it
 * is raised as it is, blamed on no provider and not fallen back on.
 */
export async function runAttempts(
  exchange: Exchange,
  chain: ModelRef[],
  deps: AttemptDeps,
  signal: CallSignal,
  tryOne: (attempt: Attempt) => Promise<void>,
): Promise<void> {
  const failures: AttemptFailure[] = [];
  let capacity: RefusedOnConnection | undefined;
  let answer: ProviderAnswer | undefined;
  for (let i = 0; i < chain.length; i++) {
    const ref = chain[i]!;
    const label = modelLabel(exchange.env!, ref);
    const startedAt = performance.now();
    let failure: AttemptFailure;
    let secret: Record<string, string> = {};
    let admission: Admission | undefined;
    let pooled: PoolAdmission | undefined;
    capacity = undefined;
    answer = undefined;
    try {
      const attempt = prepare(exchange, ref, label, deps, startedAt);
      secret = attempt.target.secret;
      const pending = reservedOrAdmitted(exchange, attempt.connection, deps.gate);
      admission = attempt.admission = pending instanceof Promise ? await pending : pending;
      const inPool = admitToPool(exchange, attempt.connection, deps, admission);
      pooled = attempt.pooled = inPool instanceof Promise ? await inPool : inPool;
      await tryOne(attempt);
      return;
    } catch (error) {
      if (admission) deps.gate.reconcile(admission, 0);
      if (pooled) deps.pools?.reconcile(pooled, 0);
      if (signal.aborted || error instanceof ClientGone) throw new ClientGone();
      if (error instanceof CapacityError) throw error;
      if (error instanceof RefusedOnConnection) capacity = error;
      if (error instanceof AttemptFailed) answer = error.answer;
      failure = describe(error, label);
      // Providers echo credentials in some errors ("Incorrect API key provided: sk-…"): never pass them on.
      failure.reason = redactSecrets(failure.reason, secret);
    }
    failures.push(failure);
    exchange.provider = label.provider;
    deps.record(
      exchange.usage({
        connectionId: exchange.env!.connections.get(ref.connectionId)?.id ?? null,
        provider: label.provider,
        model: ref.model,
        status: failure.status,
        error: failure.reason,
        durationMs: performance.now() - startedAt,
        providerMs: performance.now() - startedAt,
      }),
    );
    if (!failure.retryable || i === chain.length - 1) break;
    exchange.events.push({
      type: 'fallback',
      at: new Date().toISOString(),
      failed: label,
      status: failure.status,
      reason: failure.reason,
    });
  }
  // When the last model was refused by its connection's limits or its pool, the answer is a 429 with Retry-After.
  if (capacity)
    throw new CapacityError(
      failures.map((f) => `${f.connection}/${f.model}: ${f.reason}`).join('; '),
      capacity.retryAfterSeconds,
      capacity.code,
    );
  if (answer) throw new ProviderError(answer, failures);
  throw new UpstreamError(failures);
}

/**
 * The connection's own limits, or the pool's share of its budget, refused this attempt: worth a
 * fallback, like a provider's 429.
 */
class RefusedOnConnection extends AttemptFailed {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly code: 'capacity_exceeded' | 'prioritization_denied',
  ) {
    super(429, message);
  }
}

/**
 * The prioritization gate, after capacity (reference §2.1): for a resource in one of its
 * environment's pools, on a connection with a per-minute token budget. A refusal gives back what
 * capacity charged for the attempt: nothing was sent.
 */
function admitToPool(
  exchange: Exchange,
  connection: Connection,
  deps: AttemptDeps,
  admission: Admission | undefined,
): PoolAdmission | undefined | Promise<PoolAdmission> {
  const pools = exchange.env!.pools;
  const pool = pools && exchange.resourceId ? pools.poolOf.get(exchange.resourceId) : undefined;
  const budget = pool && deps.pools ? minuteTokenBudget(connection.capacity) : undefined;
  if (!pool || budget === undefined) return undefined;
  const outcome = deps.pools!.admit({
    connectionId: connection.id,
    connectionName: connection.name,
    pools: pools!.specs,
    pool,
    budget,
    estimate: exchange.estimateInput(),
  });
  const settle = (result: PoolOutcome): PoolAdmission => {
    if (!isPoolRejection(result)) return result;
    if (admission) void deps.gate.release(admission);
    throw new RefusedOnConnection(result.message, result.retryAfterSeconds, 'prioritization_denied');
  };
  return outcome instanceof Promise ? outcome.then(settle) : settle(outcome);
}

/**
 * Key, resource (when enforced) and connection limits, checked and charged together. A refusal at
 * the key or resource level ends the request (another model would not help); at the connection level
 * the next model is tried.
 */
function admit(
  exchange: Exchange,
  connection: Connection,
  gate: CapacityGate,
): Admission | undefined | Promise<Admission> {
  const own = connectionLimits(connection);
  const sets = own ? [...exchange.limits, own] : exchange.limits;
  if (sets.length === 0) return undefined;
  // The embedded gate answers at once (no await on the hot path); a shared store through a promise.
  const result = gate.admit(sets, countsTokens(sets) ? exchange.estimateInput() : 0);
  return result instanceof Promise ? result.then(admitted) : admitted(result);
}

/**
 * What was reserved for the request, when this attempt goes to the connection it was reserved on;
 * else (given back, if any) the attempt's own admission.
 */
function reservedOrAdmitted(
  exchange: Exchange,
  connection: Connection,
  gate: CapacityGate,
): Admission | undefined | Promise<Admission> {
  const reserved = exchange.reserved;
  exchange.reserved = undefined;
  if (reserved?.connectionId === connection.id) return reserved.admission;
  if (reserved) void gate.release(reserved.admission);
  return admit(exchange, connection, gate);
}

function admitted(result: Verdict): Admission {
  if (!isRejection(result)) return result;
  if (result.level === 'connection')
    throw new RefusedOnConnection(result.message, result.retryAfterSeconds, 'capacity_exceeded');
  throw new CapacityError(result.message, result.retryAfterSeconds);
}

function prepare(
  exchange: Exchange,
  ref: ModelRef,
  label: ModelLabel,
  deps: { config: LiveConfig; adapters: Partial<Record<string, ProviderAdapter>> },
  startedAt: number,
): Attempt {
  const connection = exchange.env!.connections.get(ref.connectionId);
  if (!connection) throw new AttemptFailed(502, 'the connection no longer exists');
  const adapter = deps.adapters[connection.provider];
  if (!adapter) throw new AttemptFailed(502, `provider ${connection.provider} is not available`);
  return { ref, connection, label, target: deps.config.target(connection), adapter, startedAt };
}

/** A provider's failure as the attempt's record; anything else is the gateway's own bug and is thrown on. */
function describe(error: unknown, label: ModelLabel): AttemptFailure {
  const base = { connection: label.connection, provider: label.provider, model: label.model };
  if (error instanceof AttemptFailed)
    return { ...base, status: error.status, reason: error.reason, retryable: worthFallingBack(error.status) };
  if (error instanceof UpstreamUnavailable)
    return { ...base, status: error.status, reason: error.message, retryable: true };
  throw error;
}
