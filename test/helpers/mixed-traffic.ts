import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Behaviour as AnthropicBehaviour } from './fake-anthropic.js';
import { openAIError, type Behaviour as OpenAIBehaviour } from './fake-openai.js';

/**
 * Planned mixed traffic for the usage acceptance test (test/daemon/usage-acceptance.test.ts): each client
 * request is decided up front from a seeded generator — route, stream, key, resource, which models of its
 * chain fail and how, what usage each model reports — and tagged (`req-0042`) in its prompt, so the fakes
 * can answer it as planned whatever order concurrent requests arrive in. From the plan follow the attempts
 * vmx must make (HTTP.md "Fallback") and what the client must see.
 */

export const MINI = 'gpt-4o-mini'; // connection up (openai → fake OpenAI): in the catalog
export const LLAMA = 'vmx-unpriced-llama'; // connection local (openai-compatible → fake OpenAI): in no catalog
export const HAIKU = 'claude-haiku-4-5'; // connection claude (anthropic → fake Anthropic)
export const BEDROCK = 'anthropic.claude-3-haiku-20240307-v1:0'; // connection aws (aws-bedrock → fake Bedrock)

/** genai-prices provider id of each priced model (LLAMA has none). */
export const CATALOG: Readonly<Record<string, string>> = { [MINI]: 'openai', [HAIKU]: 'anthropic', [BEDROCK]: 'aws' };

/** The resources and their model chains (primary first, then the fallbacks). */
export const CHAINS: Readonly<Record<string, readonly string[]>> = {
  fast: [MINI, HAIKU],
  smart: [HAIKU, BEDROCK, MINI],
  local: [LLAMA, MINI],
  bedrock: [BEDROCK],
};

/** Resources the third key (index 2) may not call: vmx answers 403. */
export const DENIED_TO_THIRD_KEY: readonly string[] = ['smart', 'bedrock'];

/** Models served by the fake OpenAI (OpenAI's usage shape); the others by the Anthropic and Bedrock fakes. */
export const OPENAI_SHAPED: ReadonlySet<string> = new Set([MINI, LLAMA]);

/** Statuses worth a fallback that each model's fake may answer with. */
const RETRYABLE: Readonly<Record<string, number[]>> = {
  [MINI]: [429, 500, 503],
  [LLAMA]: [500, 502, 503],
  [HAIKU]: [429, 500, 529],
  [BEDROCK]: [429, 500, 503],
};

export type Route = 'chat' | 'responses' | 'messages';
/** Index of a valid key, or a key vmx does not know. */
export type KeyChoice = 0 | 1 | 2 | 'bad';
export type OpenAIUsage = { prompt_tokens: number; completion_tokens: number; cached_tokens: number };
export type AnthropicUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
};

/** One client request: what it is made to meet, what must come of it, and what the client saw. */
export interface Plan {
  n: number;
  tag: string;
  route: Route;
  stream: boolean;
  /** Chat streams only: the client asks for the usage chunk itself. */
  includeUsage: boolean;
  key: KeyChoice;
  resource: string;
  /** The resource's models in chain order (empty when vmx refuses the request). */
  chain: readonly string[];
  /** Statuses of the leading models that fail; the next model answers (unless a 400 ended the chain). */
  fails: number[];
  /** The first model sends 200 and a few events, then drops the connection. */
  streamBreak: boolean;
  refused?: 401 | 403 | 404;
  /** The usage each model reports when it answers, in its fake's shape. */
  replies: Map<string, OpenAIUsage | AnthropicUsage>;
  /** The attempts vmx must make, in order (the last one is final). */
  attempts: Array<{ model: string; status: number }>;
  /** The status the client must get (a stream that broke after its first byte was a 200). */
  clientStatus: number;
  requestId?: string | null;
  observed?: { status: number; streamError: boolean; model: string | null };
}

/** mulberry32: small, fast, and the same sequence on every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, int, pick };
}

export type Random = ReturnType<typeof prng>;

function weighted<T extends string>(x: number, ...weights: Array<[T, number]>): T {
  let sum = 0;
  for (const [value, weight] of weights) if (x < (sum += weight)) return value;
  return weights.at(-1)![0];
}

/**
 * Plans requests `from` … `from + count - 1`. Roughly: 40% chat, 25% responses, 35% messages; 40% streamed;
 * 3% with an unknown key, 4% to an unknown resource, the third key sometimes where it may not go; of the
 * rest 60% answered by the first model, 18% after one fallback, 6% after two (or all failing on a 2-model
 * chain), 6% every model failing, 5% a provider 400 (no fallback), and streams sometimes breaking mid-way.
 */
export function makePlans(from: number, count: number, rand: Random): Plan[] {
  const plans: Plan[] = [];
  for (let n = from; n < from + count; n++) {
    const route = weighted<Route>(rand.next(), ['chat', 0.4], ['responses', 0.25], ['messages', 0.35]);
    const stream = rand.next() < 0.4;
    const r = rand.next();
    const key: KeyChoice = r < 0.03 ? 'bad' : r < 0.47 ? 0 : r < 0.85 ? 1 : 2;
    const resource = weighted(
      rand.next(),
      ['fast', 0.3],
      ['smart', 0.26],
      ['local', 0.2],
      ['bedrock', 0.2],
      ['nope', 0.04],
    );
    const plan: Plan = {
      n,
      tag: `req-${String(n).padStart(4, '0')}`,
      route,
      stream,
      includeUsage: route === 'chat' && stream && rand.next() < 0.5,
      key,
      resource,
      chain: [],
      fails: [],
      streamBreak: false,
      replies: new Map(),
      attempts: [],
      clientStatus: 200,
    };
    if (key === 'bad') plan.refused = 401;
    else if (!CHAINS[resource]) plan.refused = 404;
    else if (key === 2 && DENIED_TO_THIRD_KEY.includes(resource)) plan.refused = 403;
    if (!plan.refused) {
      plan.chain = CHAINS[resource]!;
      const s = rand.next();
      const failure = (model: string) => rand.pick(RETRYABLE[model]!);
      if (s < 0.6) {
        // answered by the first model
      } else if (s < 0.78) plan.fails = plan.chain.slice(0, 1).map(failure);
      else if (s < 0.84) plan.fails = plan.chain.slice(0, 2).map(failure);
      else if (s < 0.9) plan.fails = plan.chain.map(failure);
      else if (s < 0.95) plan.fails = [400];
      else if (stream && OPENAI_SHAPED.has(plan.chain[0]!)) plan.streamBreak = true;
      for (const model of plan.chain) plan.replies.set(model, usageFor(model, rand));
    }
    derive(plan);
    plans.push(plan);
  }
  return plans;
}

/** Usage with cache reads on about a third of the answers and (Anthropic) cache writes on a fifth. */
function usageFor(model: string, rand: Random): OpenAIUsage | AnthropicUsage {
  const cached = rand.next() < 0.35;
  if (OPENAI_SHAPED.has(model)) {
    const prompt = rand.int(8, 4000);
    return {
      prompt_tokens: prompt,
      completion_tokens: rand.int(1, 900),
      cached_tokens: cached ? rand.int(0, prompt) : 0,
    };
  }
  return {
    input_tokens: rand.int(1, 3000),
    output_tokens: rand.int(1, 900),
    cache_read_input_tokens: cached ? rand.int(1, 5000) : 0,
    cache_creation_input_tokens: rand.next() < 0.2 ? rand.int(1, 2000) : 0,
  };
}

/** The attempts vmx must make for a plan (a 400 is not worth a fallback), and what the client must see. */
function derive(plan: Plan): void {
  plan.attempts = [];
  if (plan.refused) {
    plan.clientStatus = plan.refused;
    return;
  }
  for (let j = 0; j < plan.chain.length; j++) {
    const model = plan.chain[j]!;
    if (j < plan.fails.length) {
      const status = plan.fails[j]!;
      plan.attempts.push({ model, status });
      if (status === 400) break;
      continue;
    }
    plan.attempts.push({ model, status: plan.streamBreak && j === 0 ? 502 : 200 });
    break;
  }
  plan.clientStatus = plan.streamBreak ? 200 : plan.attempts.at(-1)!.status;
}

/** The plan whose tag is in `rawBody`, if any. */
export function planOf(plans: ReadonlyMap<number, Plan>, rawBody: string): Plan | undefined {
  const n = /req-(\d{4})/.exec(rawBody)?.[1];
  return n === undefined ? undefined : plans.get(Number(n));
}

/** The behaviour a fake answers `model` with for the tagged request (undefined: not a planned request). */
export function plannedBehaviour(
  plans: ReadonlyMap<number, Plan>,
  rawBody: string,
  model: string,
): OpenAIBehaviour | AnthropicBehaviour | undefined {
  const plan = planOf(plans, rawBody);
  if (!plan) return undefined;
  const j = plan.chain.indexOf(model);
  if (j < 0) throw new Error(`${plan.tag}: ${model} is not in the chain of ${plan.resource}`);
  if (j < plan.fails.length) {
    const status = plan.fails[j]!;
    const message = failureMessage(plan, model, status);
    return OPENAI_SHAPED.has(model)
      ? { kind: 'error', status, body: openAIError(status, message) }
      : { kind: 'error', status, message };
  }
  if (plan.streamBreak && j === 0) return { kind: 'stream-then-fail', afterChunks: 2 };
  return { kind: 'reply', usage: plan.replies.get(model) as never };
}

/** The error message a fake sends for a planned failure. */
export const failureMessage = (plan: Plan, model: string, status: number) =>
  `${model} failed ${plan.tag} with ${status}`;

/** Runs `run` over `items`, at most `size` at a time. */
export async function pool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

/**
 * Sends one planned request with the official SDK of its route (OpenAI for chat and responses, Anthropic
 * for messages; no retries) and records in the plan what the client saw: status, `x-vmx-request-id`,
 * `x-vmx-model`, and whether a stream ended in an error event.
 */
export async function sendPlanned(plan: Plan, gateway: { baseURL: string; keys: readonly string[] }): Promise<void> {
  const apiKey = plan.key === 'bad' ? 'vmx_not_a_key_0000000000000000' : gateway.keys[plan.key]!;
  const text = `${plan.tag} please summarise the quarterly numbers`;
  let response: Response;
  let streamError = false;
  const drain = async (stream: AsyncIterable<unknown>) => {
    try {
      for await (const _event of stream);
    } catch (error) {
      if (!(error instanceof OpenAI.APIError || error instanceof Anthropic.APIError)) throw error;
      streamError = true;
    }
  };
  try {
    if (plan.route === 'messages') {
      const client = new Anthropic({ baseURL: `${gateway.baseURL}/anthropic`, apiKey, maxRetries: 0 });
      const body = { model: plan.resource, max_tokens: 256, messages: [{ role: 'user' as const, content: text }] };
      if (plan.stream) {
        const result = await client.messages.create({ ...body, stream: true }).withResponse();
        response = result.response;
        await drain(result.data);
      } else {
        response = (await client.messages.create(body).withResponse()).response;
      }
    } else {
      const client = new OpenAI({ baseURL: gateway.baseURL, apiKey, maxRetries: 0 });
      if (plan.route === 'chat') {
        const body = { model: plan.resource, messages: [{ role: 'user' as const, content: text }] };
        if (plan.stream) {
          const options = plan.includeUsage ? { stream_options: { include_usage: true } } : {};
          const result = await client.chat.completions.create({ ...body, ...options, stream: true }).withResponse();
          response = result.response;
          await drain(result.data);
        } else {
          response = (await client.chat.completions.create(body).withResponse()).response;
        }
      } else if (plan.stream) {
        const result = await client.responses
          .create({ model: plan.resource, input: text, stream: true })
          .withResponse();
        response = result.response;
        await drain(result.data);
      } else {
        response = (await client.responses.create({ model: plan.resource, input: text }).withResponse()).response;
      }
    }
  } catch (error) {
    if (!(error instanceof OpenAI.APIError || error instanceof Anthropic.APIError)) throw error;
    plan.requestId = error.headers?.get('x-vmx-request-id') ?? null;
    plan.observed = { status: error.status ?? -1, streamError: false, model: null };
    return;
  }
  plan.requestId = response.headers.get('x-vmx-request-id');
  plan.observed = { status: response.status, streamError, model: response.headers.get('x-vmx-model') };
}

/** Plans whose client did not see what was planned (empty when all went as planned). */
export function unexpectedOutcomes(plans: readonly Plan[]) {
  return plans
    .filter((p) => {
      const o = p.observed;
      const answeredBy = p.clientStatus === 200 ? p.attempts.at(-1)!.model : null;
      return (
        !o ||
        o.status !== p.clientStatus ||
        o.streamError !== p.streamBreak ||
        (answeredBy !== null && o.model !== answeredBy) ||
        !p.requestId
      );
    })
    .map((p) => ({
      tag: p.tag,
      route: p.route,
      stream: p.stream,
      resource: p.resource,
      fails: p.fails,
      expected: p.clientStatus,
      observed: p.observed,
      requestId: p.requestId,
    }));
}
