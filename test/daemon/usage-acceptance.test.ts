import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, maskApiKey } from '../../src/gateway/key-material.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import type { ModelRef } from '../../src/gateway/routing/index.js';
import {
  startFakeAnthropic,
  type Behaviour as AnthropicBehaviour,
  type FakeAnthropic,
} from '../helpers/fake-anthropic.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';
import type { Behaviour as OpenAIBehaviour } from '../helpers/fake-openai.js';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import {
  BEDROCK,
  CHAINS,
  DENIED_TO_THIRD_KEY,
  HAIKU,
  LLAMA,
  MINI,
  failureMessage,
  makePlans,
  planOf,
  plannedBehaviour,
  pool,
  prng,
  sendPlanned,
  unexpectedOutcomes,
  type KeyChoice,
  type Plan,
} from '../helpers/mixed-traffic.js';
import { parsePrometheus, sumSamples } from '../helpers/prometheus.js';
import {
  expectedNano,
  groupKey,
  ledger,
  openAITokens,
  reportedAnswers,
  sumFigures,
  usageReallySent,
  type Figures,
  type Override,
} from '../helpers/usage-ledger.js';

/**
 * Usage, cost, audit and metrics under load: 1,000 mixed requests (three routes, stream and not, three
 * keys, fallbacks, chains that fail entirely, provider 400s, streams that break, refusals) through a real
 * daemon, with the official SDKs as callers and fakes at the provider edge, then 150 more after a price
 * override. What the fakes actually reported, and what the plans call for, is the ledger
 * (test/helpers/usage-ledger.ts); `vmx usage`, `vmx audit show` and `/metrics` must agree with it exactly.
 */

const PHASE1 = 1000;
const PHASE2 = 150;
const CONCURRENCY = 16;
const SEED = 0x5eed_2026;

type UsageRow = Omit<Figures, 'knownNano'> & {
  resource: string | null;
  model: string | null;
  cost: number | null;
  knownCost: number;
};

/** `vmx usage` must print exactly the ledger: cost null exactly when an attempt of the group had no known price. */
function expectReport(report: Map<string, UsageRow>, expected: Map<string, Figures>) {
  const fields = [
    'requests',
    'attempts',
    'errors',
    'fallbacks',
    'inputTokens',
    'outputTokens',
    'cachedTokens',
    'cacheWriteTokens',
    'totalTokens',
    'unpricedAttempts',
  ] as const;
  const pickFields = (source: Omit<Figures, 'knownNano'>) => Object.fromEntries(fields.map((f) => [f, source[f]]));
  const actual = Object.fromEntries(
    [...report].map(([key, row]) => [key, { ...pickFields(row), cost: row.cost, knownCost: row.knownCost }]),
  );
  const wanted = Object.fromEntries(
    [...expected].map(([key, g]) => [
      key,
      { ...pickFields(g), cost: g.unpricedAttempts > 0 ? null : g.knownNano / 1e9, knownCost: g.knownNano / 1e9 },
    ]),
  );
  expect(actual).toEqual(wanted);
}

describeEachGateway(
  'usage, cost, audit and metrics agree with what the upstreams reported (1,000 mixed requests)',
  (backend) => {
    let gw: TestGateway;
    let anthropic: FakeAnthropic;
    let bedrock: FakeBedrock;
    let vmx: TestGateway['cli'];
    const plans = new Map<number, Plan>();
    const rand = prng(SEED);
    const keys: Array<{ id: string; name: string; secret: string }> = [];
    /** `vmx connection update up --price …` before phase 2; `from` is set then. */
    const override: Override = { input: 2.5, output: 10, model: MINI, from: Infinity };

    beforeAll(async () => {
      gw = await startGateway({
        backend,
        fake: { choose: (r) => plannedBehaviour(plans, r.rawBody, r.json?.model) as OpenAIBehaviour | undefined },
      });
      anthropic = await startFakeAnthropic({
        choose: (r) => plannedBehaviour(plans, r.rawBody, r.json?.model) as AnthropicBehaviour | undefined,
      });
      bedrock = await startFakeBedrock({
        choose: (r) => plannedBehaviour(plans, r.rawBody, r.modelId!) as AnthropicBehaviour | undefined,
      });
      const env = gw.env.environmentId;
      // The gateway's own connection (up) has a 1.5 s first-byte timeout: a loaded machine must not turn it into fallbacks.
      const up = (await gw.repos.connections.find(env, 'up'))!;
      await gw.repos.connections.update(up, { config: { ...up.config, firstByteTimeoutMs: 30_000 } }, 'alice');
      const connection = (
        name: string,
        provider: 'openai-compatible' | 'anthropic' | 'aws-bedrock',
        config: Record<string, unknown>,
      ) => gw.repos.connections.create({ environmentId: env, name, provider, config, capacity: [], user: 'alice' });
      const local = await connection('local', 'openai-compatible', { baseUrl: gw.fake.url });
      const claude = await connection('claude', 'anthropic', { baseUrl: anthropic.url });
      const aws = await connection('aws', 'aws-bedrock', { baseUrl: bedrock.url, region: 'us-east-1' });
      await gw.writeSecret(local.id, { apiKey: 'sk-local' });
      await gw.writeSecret(claude.id, { apiKey: 'sk-ant-acceptance' });
      await gw.writeSecret(aws.id, { accessKeyId: 'AKIDACCEPTANCE', secretAccessKey: 'acceptance-secret' });
      const connectionOf: Record<string, string> = {
        [MINI]: up.id,
        [LLAMA]: local.id,
        [HAIKU]: claude.id,
        [BEDROCK]: aws.id,
      };
      const ref = (model: string): ModelRef => ({ connectionId: connectionOf[model]!, model });
      const resourceIds: Record<string, string> = {};
      for (const [name, [first, ...rest]] of Object.entries(CHAINS)) {
        const resource = {
          ...singleModelResource(name, ref(first!)),
          fallbackModels: rest.map(ref),
          useFallback: true,
        };
        resourceIds[name] = (await gw.repos.resources.create(env, resource, 'alice')).id;
      }
      const thirdKeyMay = Object.keys(CHAINS).filter((name) => !DENIED_TO_THIRD_KEY.includes(name));
      for (const [name, resources] of [
        ['k1', null],
        ['k2', null],
        ['k3', thirdKeyMay.map((r) => resourceIds[r]!)],
      ] as const) {
        const secret = generateApiKey();
        const created = await gw.repos.apiKeys.create({
          environmentId: env,
          name,
          keyHash: hashApiKey(secret),
          maskedKey: maskApiKey(secret),
          resources,
          capacity: [],
          expiresAt: null,
          user: 'alice',
        });
        keys.push({ id: created.id, name, secret });
      }
      vmx = gw.cli;
      expect((await vmx('use acme/dev')).code).toBe(0);
      await served('bedrock');
    });

    afterAll(async () => {
      await gw?.close();
      await anthropic?.close();
      await bedrock?.close();
    });

    /**
     * Waits until the daemon serves `resource` (GET /models). It reloads its whole configuration at once, so
     * whatever was written to the store before that resource is in force too.
     */
    async function served(resource: string): Promise<void> {
      const listed = async () => {
        const response = await fetch(`${gw.baseURL}/models`, {
          headers: { authorization: `Bearer ${keys[0]!.secret}` },
        });
        const body = (await response.json()) as { data?: Array<{ id: string }> };
        return body.data?.some((m) => m.id === resource) ?? false;
      };
      const deadline = Date.now() + 10_000;
      while (!(await listed())) {
        if (Date.now() > deadline) throw new Error(`the daemon did not load resource '${resource}' in time`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    /** Plans and sends `count` requests, checks each client saw what was planned, and waits for the usage rows. */
    async function runPhase(count: number): Promise<Plan[]> {
      const batch = makePlans(plans.size, count, rand);
      for (const plan of batch) plans.set(plan.n, plan);
      const gateway = { baseURL: gw.baseURL, keys: keys.map((k) => k.secret) };
      await pool(batch, CONCURRENCY, (plan) => sendPlanned(plan, gateway));
      expect(unexpectedOutcomes(batch)).toEqual([]);
      // Rows are written in batches: wait for them all. A dropped row never comes, so stop waiting after a
      // while and let the count speak; a duplicate would come with the next batch, so look once more after it.
      const expectedRows = [...plans.values()].reduce((sum, p) => sum + Math.max(1, p.attempts.length), 0);
      const rows = async () => (await gw.repos.usage.counts()).raw;
      await eventually(async () => (await rows()) >= expectedRows, 10_000).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await rows()).toBe(expectedRows);
      return batch;
    }

    const answers = () =>
      reportedAnswers(plans, { openai: gw.fake.requests, anthropic: anthropic.requests, bedrock: bedrock.requests });
    const expectedGroups = () => ledger(plans, answers(), override);

    async function usageReport(): Promise<Map<string, UsageRow>> {
      const result = await vmx('usage --since 1h --by resource --by model --json');
      expect(result.stderr).toBe('');
      return new Map((result.json().rows as UsageRow[]).map((row) => [groupKey(row.resource, row.model), row]));
    }

    let phase1: Map<string, UsageRow>;

    it('answers every request as planned', { timeout: 60_000 }, async () => {
      const batch = await runPhase(PHASE1);
      // The mix holds every case this test is about.
      const count = (f: (p: Plan) => boolean) => batch.filter(f).length;
      expect(count((p) => p.refused === 401)).toBeGreaterThan(5);
      expect(count((p) => p.refused === 403)).toBeGreaterThan(5);
      expect(count((p) => p.refused === 404)).toBeGreaterThan(5);
      expect(count((p) => p.clientStatus === 200 && p.attempts.length > 1)).toBeGreaterThan(50);
      expect(count((p) => p.clientStatus === 200 && p.attempts.length === 3)).toBeGreaterThan(5);
      expect(count((p) => p.clientStatus >= 500 && p.attempts.length > 1)).toBeGreaterThan(10);
      expect(count((p) => p.clientStatus === 400)).toBeGreaterThan(10);
      expect(count((p) => p.streamBreak)).toBeGreaterThan(3);
      for (const route of ['chat', 'responses', 'messages'] as const) {
        for (const stream of [true, false])
          expect(count((p) => p.route === route && p.stream === stream && p.clientStatus === 200)).toBeGreaterThan(20);
      }
    });

    it('vmx usage by resource and model equals the ledger exactly: requests, attempts, errors, fallbacks, tokens', async () => {
      phase1 = await usageReport();
      const expected = expectedGroups();
      expectReport(phase1, expected);
      expect(sumFigures(expected.values()).requests).toBe(PHASE1);
      // Every answer reported its usage (vmx asks a chat stream for it even when its client did not).
      expect(answers().length).toBe(
        [...plans.values()].flatMap((p) => p.attempts).filter((a) => a.status === 200).length,
      );
      // Per request too: one row per attempt, exactly one of them final.
      const perRequest = new Map<string, { n: number; f: number }>();
      await pool([...plans.values()], CONCURRENCY, async (p) => {
        const rows = await gw.repos.usage.forRequest(p.requestId!);
        perRequest.set(p.requestId!, { n: rows.length, f: rows.filter((r) => r.final).length });
      });
      const off = [...plans.values()].filter(
        (p) =>
          perRequest.get(p.requestId!)?.n !== Math.max(1, p.attempts.length) || perRequest.get(p.requestId!)?.f !== 1,
      );
      expect(off.map((p) => p.tag)).toEqual([]);
      // And by key: the three keys, and no key for the unknown ones.
      const byKey = (await vmx('usage --since 1h --by key --json')).json().rows as Array<{
        keyName: string | null;
        requests: number;
      }>;
      const sent = (k: KeyChoice) => [...plans.values()].filter((p) => p.key === k).length;
      expect(Object.fromEntries(byKey.map((r) => [r.keyName ?? 'none', r.requests]))).toEqual({
        k1: sent(0),
        k2: sent(1),
        k3: sent(2),
        none: sent('bad'),
      });
    });

    it('cost: catalog prices per attempt for known models; null, never 0, for a model the catalog does not know', () => {
      const expected = expectedGroups();
      for (const [resource, model] of [
        ['fast', MINI],
        ['fast', HAIKU],
        ['smart', HAIKU],
        ['smart', BEDROCK],
        ['bedrock', BEDROCK],
      ] as const) {
        const row = phase1.get(groupKey(resource, model))!;
        const g = expected.get(groupKey(resource, model))!;
        expect(g.cachedTokens).toBeGreaterThan(0); // cached tokens have their own price
        expect(row.cost).toBeGreaterThan(0);
        expect(row.cost).toBe(g.knownNano / 1e9);
      }
      const llama = phase1.get(groupKey('local', LLAMA))!;
      expect(llama).toMatchObject({
        cost: null,
        knownCost: 0,
        unpricedAttempts: expected.get(groupKey('local', LLAMA))!.unpricedAttempts,
      });
      expect(llama.unpricedAttempts).toBeGreaterThan(0);
    });

    it('audit show: a request that fell back shows both attempts, their reasons and durations, and the fallback event', async () => {
      const plan = [...plans.values()].find(
        (p) => p.resource === 'fast' && p.fails.length === 1 && p.clientStatus === 200 && p.route === 'chat',
      )!;
      const status = plan.fails[0]!;
      const reason = `${status} ${failureMessage(plan, MINI, status)}`;
      const shown = await vmx(`audit show ${plan.requestId} --json`);
      expect(shown.code).toBe(0);
      const record = shown.json();
      expect(record).toMatchObject({ status: 200, resource: 'fast', route: 'chat', error: null });
      expect(record.usage).toHaveLength(2);
      const [first, second] = record.usage as Array<Record<string, any>>;
      expect(first).toMatchObject({
        attempt: 1,
        connectionId: gw.env.connectionId,
        provider: 'openai',
        model: MINI,
        status,
        error: reason,
        final: false,
        inputTokens: null,
      });
      expect(second).toMatchObject({
        attempt: 2,
        provider: 'anthropic',
        model: HAIKU,
        status: 200,
        error: null,
        final: true,
      });
      for (const attempt of [first!, second!]) {
        expect(attempt.durationMs).toBeGreaterThan(0);
        expect(attempt.providerMs).toBeGreaterThan(0);
      }
      // The fallback event with its reason (the audit also notes what the conversion to Anthropic dropped).
      expect(record.events.filter((e: { type: string }) => e.type !== 'conversion')).toEqual([
        expect.objectContaining({
          type: 'fallback',
          status,
          reason,
          failed: { connection: 'up', provider: 'openai', model: MINI },
        }),
      ]);

      const human = await vmx(`audit show ${plan.requestId}`);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('"type":"fallback"');
      expect(human.stdout).toContain(reason);
      const attempts = human.stdout.slice(human.stdout.indexOf('attempts:'));
      // Not a terminal: the attempts table is tab-separated.
      expect(attempts).toMatch(new RegExp(`^1\tup\topenai\t${MINI}\t${status}\t.*\t${reason}$`, 'm'));
      expect(attempts).toMatch(new RegExp(`^2\tclaude\tanthropic\t${HAIKU}\t200\t`, 'm'));
    });

    it(
      'a price override applies to the requests made after it, at tokens × the override',
      { timeout: 60_000 },
      async () => {
        const updated = await vmx([
          'connection',
          'update',
          'up',
          '--price',
          `input=${override.input}/M,output=${override.output}/M`,
        ]);
        expect(updated.code).toBe(0);
        // A resource written after the price: once the daemon serves it, it prices with the override.
        await gw.repos.resources.create(
          gw.env.environmentId,
          singleModelResource('after-price', { connectionId: gw.env.connectionId, model: MINI }),
          'alice',
        );
        await served('after-price');
        override.from = plans.size;
        await runPhase(PHASE2);
        const report = await usageReport();
        expectReport(report, expectedGroups());
        expect(sumFigures(expectedGroups().values()).requests).toBe(PHASE1 + PHASE2);
        // What the new requests cost on their own, from the difference since phase 1: Σ tokens × the override.
        for (const resource of ['fast', 'smart', 'local']) {
          const key = groupKey(resource, MINI);
          const delta = Math.round(report.get(key)!.knownCost * 1e9 - (phase1.get(key)?.knownCost ?? 0) * 1e9);
          const mine = gw.fake.requests
            .filter((r) => usageReallySent(r) && r.json.model === MINI)
            .filter(
              (r) => planOf(plans, r.rawBody)!.n >= override.from && planOf(plans, r.rawBody)!.resource === resource,
            )
            .map((r) => openAITokens(r.sentUsage!));
          const atOverride = mine.reduce((sum, tokens) => sum + expectedNano(MINI, tokens, override)!, 0);
          const atCatalog = mine.reduce((sum, tokens) => sum + expectedNano(MINI, tokens)!, 0);
          expect(delta).toBe(atOverride);
          if (mine.length > 0) expect(atOverride).not.toBe(atCatalog);
        }
      },
    );

    it('/metrics and vmx status counters equal the usage rows', async () => {
      const report = await usageReport();
      const samples = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
      const sum = (name: string, match: Record<string, string> = {}) => sumSamples(samples, name, match);
      const all = [...plans.values()];

      // Client requests, by resource and status as the clients saw them (a broken stream was a 200).
      const tally = (entries: Array<[string, number]>) =>
        entries.reduce<Record<string, number>>((out, [k, n]) => ((out[k] = (out[k] ?? 0) + n), out), {});
      const requests = tally(
        samples
          .filter((s) => s.name === 'vmx_requests_total')
          .map((s) => [`${s.labels.resource} ${s.labels.status}`, s.value]),
      );
      // Refused before the key was known, or naming no resource: labelled resource="".
      const label = (p: (typeof all)[number]) => (p.refused === 401 || p.refused === 404 ? '' : p.resource);
      expect(requests).toEqual(tally(all.map((p) => [`${label(p)} ${p.clientStatus}`, 1])));
      expect(sum('vmx_requests_total')).toBe(all.length);
      expect(sum('vmx_errors_total')).toBe(all.filter((p) => p.clientStatus >= 400 || p.streamBreak).length);
      expect(sum('vmx_errors_total', { status: '200' })).toBe(all.filter((p) => p.streamBreak).length);
      expect(sum('vmx_request_duration_seconds_count')).toBe(all.length);

      // Attempts, errors, tokens and cost per (resource, model), against vmx usage.
      let knownCost = 0;
      for (const [key, row] of report) {
        const attempts = samples.filter(
          (s) =>
            s.name === 'vmx_provider_attempts_total' &&
            s.labels.resource === (row.resource ?? '') &&
            s.labels.model === (row.model ?? 'none'),
        );
        const labels = { resource: row.resource ?? '', model: row.model ?? 'none' };
        const fromMetrics = {
          attempts: attempts.reduce((n, s) => n + s.value, 0),
          // Refused requests have no attempt: their errors are client requests only.
          errors:
            attempts.filter((s) => Number(s.labels.status) >= 400).reduce((n, s) => n + s.value, 0) +
            (row.model === null ? row.requests : 0),
          inputTokens: sum('vmx_tokens_total', { ...labels, kind: 'input' }),
          outputTokens: sum('vmx_tokens_total', { ...labels, kind: 'output' }),
          cachedTokens: sum('vmx_tokens_total', { ...labels, kind: 'cached' }),
          unpricedAttempts: sum('vmx_unpriced_attempts_total', labels),
        };
        const { attempts: a, errors, inputTokens, outputTokens, cachedTokens, unpricedAttempts } = row;
        expect({ key, ...fromMetrics }).toEqual({
          key,
          attempts: a,
          errors,
          inputTokens,
          outputTokens,
          cachedTokens,
          unpricedAttempts,
        });
        const cost = sum('vmx_cost_usd_total', labels);
        if (row.knownCost === 0) expect(cost).toBe(0);
        else expect(Math.abs(cost - row.knownCost) / row.knownCost).toBeLessThan(1e-9);
        knownCost += row.knownCost;
      }
      expect(Math.abs(sum('vmx_cost_usd_total') - knownCost) / knownCost).toBeLessThan(1e-9);

      // Attempts by status class, against the plans.
      const planned = all.flatMap((p) => p.attempts);
      expect(sum('vmx_provider_attempts_total')).toBe(planned.length);
      for (const cls of [2, 4, 5]) {
        const counted = samples
          .filter((s) => s.name === 'vmx_provider_attempts_total' && Math.floor(Number(s.labels.status) / 100) === cls)
          .reduce((n, s) => n + s.value, 0);
        expect(counted).toBe(planned.filter((a) => Math.floor(a.status / 100) === cls).length);
      }

      // The live counters of `vmx status` count the same attempts (the ledger's totals, which vmx usage matched).
      const totals = sumFigures(expectedGroups().values());
      const status = (await vmx('status --json')).json();
      expect(status).toMatchObject({
        running: true,
        // Errors there are requests that failed, a stream that broke after its 200 included.
        requests: {
          total: all.length,
          inFlight: 0,
          errors: all.filter((p) => p.clientStatus >= 400 || p.streamBreak).length,
        },
        attempts: { total: totals.attempts, fallbacks: totals.fallbacks },
        tokens: { input: totals.inputTokens, output: totals.outputTokens, cached: totals.cachedTokens },
        cost: { unpricedAttempts: totals.unpricedAttempts },
      });
      expect(Math.abs(status.cost.usd - knownCost) / knownCost).toBeLessThan(1e-9);
    });
  },
);
