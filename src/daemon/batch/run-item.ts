import { inject } from 'light-my-request';
import { isRejection, type LimitSet } from '../../gateway/capacity/gate.js';
import type { Capacity } from '../../gateway/capacity/limits.js';
import { estimateInputTokens } from '../../gateway/estimate/token-estimate.js';
import type { InboundDialect } from '../../providers/registry.js';
import type { ApiKeyWithHash } from '../../store/repos/api-keys.js';
import type { BatchItemOutcome, BatchRoute } from '../../store/repos/batches.js';
import type { EnvironmentConfig } from '../config-snapshot.js';
import type { Gateway } from '../gateway.js';
import type { Caller } from '../pipeline/auth.js';
import type { Exchange } from '../pipeline/exchange.js';
import { handleCompletion } from '../pipeline/handle-completion.js';
import { callerLimits, connectionLimits, countsTokens } from '../pipeline/limit-sets.js';

/** A batch item as the runner hands it over: what to send, as whom, under which batch limits. */
export interface ItemToRun {
  batchId: string;
  environmentId: string;
  /** The key that created the batch; null for a batch made with the CLI (no key limits). */
  keyId: string | null;
  /** The batch's own limits, shared by its items. */
  capacity: readonly Capacity[];
  route: BatchRoute;
  request: Record<string, unknown>;
  /** Runs so far, this one included. */
  attempts: number;
}

/** What became of one run: an answer to keep, or a wait for room (never a refusal). */
export type ItemOutcome =
  { kind: 'finished'; outcome: BatchItemOutcome } | { kind: 'parked'; notBefore: number; reason: string };

/**
 * A retryable failure (a provider's 429 or 5xx, a timeout) is tried again until the item has been
 * taken up this many times in all (waits for room count as takes).
 */
export const MAX_ATTEMPTS = 10;

const DIALECTS: Record<BatchRoute, InboundDialect> = {
  chat: 'openai-chat',
  responses: 'openai-responses',
  messages: 'anthropic-messages',
};

/**
 * Runs one batch item through the normal pipeline (routing, fallback, capacity, pools, usage, audit,
 * `correlationId` = the batch id), at the pace the limits allow: when the key's, the resource's, the
 * primary connection's or the batch's own limits have no room now, the item waits for the window
 * that has (parked) instead of being refused. Retryable failures wait their Retry-After.
 */
export async function runItem(gateway: Gateway, item: ItemToRun, now: number): Promise<ItemOutcome> {
  const snapshot = gateway.config.snapshot();
  const env = snapshot.environmentById(item.environmentId);
  if (!env) return failed(404, 'not_found', 'the environment of this batch no longer exists');
  const key = item.keyId ? snapshot.keyById(item.keyId) : batchCaller(env);
  if (!key || !key.enabled)
    return failed(401, 'invalid_api_key', 'the API key that created this batch was revoked or disabled');
  const gate = gateway.completion.gate;
  // Every limit the item runs under, checked and charged at once: no room, no run (and no row).
  const { sets, connectionId } = limitsOf(env, key, item);
  const verdict = await gate.admit(sets, countsTokens(sets) ? estimateInputTokens(item.request) : 0);
  if (isRejection(verdict)) return parked(now, verdict.retryAfterSeconds, verdict.message);
  const answer = await send(gateway, { env, key }, item, { connectionId, admission: verdict });
  return interpret(answer, item, now);
}

/** The limits an item runs under: its key's, its resource's (when enforced), its primary connection's, the batch's. */
function limitsOf(
  env: EnvironmentConfig,
  key: ApiKeyWithHash,
  item: ItemToRun,
): { sets: LimitSet[]; connectionId: string } {
  const resource = env.resources.get(String(item.request.model ?? ''));
  const connection = resource && env.connections.get(resource.model.connectionId);
  const own = connection && connectionLimits(connection);
  const sets = [...callerLimits(key, resource), ...(own ? [own] : [])];
  if (item.capacity.length) sets.push(batchLimits(item));
  return { sets, connectionId: connection?.id ?? '' };
}

const batchLimits = (item: ItemToRun): LimitSet => ({
  level: 'batch',
  id: item.batchId,
  name: item.batchId,
  limits: item.capacity,
});

/** A batch made with the CLI runs as its environment's member did: every resource, no key limits. */
function batchCaller(env: EnvironmentConfig): ApiKeyWithHash {
  const at = new Date(0).toISOString();
  return {
    id: '',
    environmentId: env.environment.id,
    name: 'batch',
    description: null,
    maskedKey: '',
    keyHash: '',
    resources: null,
    capacity: [],
    enabled: true,
    expiresAt: null,
    allowOverrides: false,
    createdAt: at,
    updatedAt: at,
    createdBy: '',
    updatedBy: '',
  };
}

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** The request through the pipeline in process, as `caller`, its answer captured (light-my-request). */
async function send(
  gateway: Gateway,
  caller: Caller,
  item: ItemToRun,
  reserved: Exchange['reserved'],
): Promise<Answer> {
  const body = {
    ...item.request,
    stream: false,
    vmx: { ...(item.request.vmx as object), correlationId: item.batchId },
  };
  const response = await inject(
    (req, res) =>
      void handleCompletion(gateway, {
        reserved,
        dialect: DIALECTS[item.route],
        place: undefined,
        headers: {},
        body,
        raw: res,
        caller,
      }),
    { method: 'POST', url: '/batch-item' },
  );
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}

/** A provider's 429, a 5xx or a timeout waits and is tried again (up to {@link MAX_ATTEMPTS}); anything else is final. */
function interpret(answer: Answer, item: ItemToRun, now: number): ItemOutcome {
  const json = parse(answer.body);
  const requestId = header(answer, 'x-vmx-request-id');
  const base = { requestId, statusCode: answer.statusCode, response: json };
  if (answer.statusCode < 300) return finished({ ...base, status: 'completed', error: null, ...tokensOf(json) });
  const retryable = answer.statusCode === 429 || answer.statusCode === 408 || answer.statusCode >= 500;
  const error = errorOf(json, answer.statusCode);
  if (retryable && item.attempts < MAX_ATTEMPTS) {
    const retryAfter = Number(header(answer, 'retry-after'));
    const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 2 ** item.attempts;
    return parked(now, seconds, error.message);
  }
  return finished({ ...base, status: 'failed', error, inputTokens: 0, outputTokens: 0 });
}

const finished = (outcome: BatchItemOutcome): ItemOutcome => ({ kind: 'finished', outcome });

function tokensOf(json: Record<string, unknown> | null): { inputTokens: number; outputTokens: number } {
  const usage = (json?.usage ?? {}) as Record<string, unknown>;
  const count = (...names: string[]) => names.map((n) => usage[n]).find((v): v is number => typeof v === 'number') ?? 0;
  return {
    inputTokens: count('prompt_tokens', 'input_tokens'),
    outputTokens: count('completion_tokens', 'output_tokens'),
  };
}

function errorOf(json: Record<string, unknown> | null, status: number): { code: string; message: string } {
  const error = json?.error as { code?: unknown; type?: unknown; message?: unknown } | undefined;
  return {
    code: String(error?.code ?? error?.type ?? status),
    message: typeof error?.message === 'string' ? error.message : `the request failed with status ${status}`,
  };
}

const parked = (now: number, seconds: number, reason: string): ItemOutcome => ({
  kind: 'parked',
  notBefore: now + seconds * 1000,
  reason,
});

const failed = (statusCode: number, code: string, message: string): ItemOutcome =>
  finished({
    status: 'failed',
    requestId: null,
    statusCode,
    response: null,
    error: { code, message },
    inputTokens: 0,
    outputTokens: 0,
  });

function header(answer: Answer, name: string): string | null {
  const value = answer.headers[name];
  return value === undefined ? null : String(Array.isArray(value) ? value[0] : value);
}

/** The answer's JSON object; an answer that is not one is kept as its text. */
function parse(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // below
  }
  return text ? { text } : null;
}
