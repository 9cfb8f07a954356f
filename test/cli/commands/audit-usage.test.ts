import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open.js';
import type { AuditRecord } from '../../../src/store/repos/audit.js';
import type { UsageRecord } from '../../../src/store/repos/usage.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { auditRow, usageRow } from '../../helpers/history-rows.js';
import { tempHome } from '../../helpers/temp-home.js';

const HOUR = 3_600_000;
const now = Date.now();

/** A connection since removed, still named by r3's first attempt. */
const REMOVED_CONNECTION = '0193f2a4-0000-7000-8000-00000000c0de';
const PREFIXED = [
  '0193f2a4-5b6c-7d8e-9f01-23456789abcd',
  '0193f2a4-5b6d-7000-8000-000000000001',
  '0193f2a4-5b6e-7000-8000-000000000002',
] as const;

let vmx: ReturnType<typeof cli>;
let keyId: string;

const audit = (
  requestId: string,
  environmentId: string,
  workspaceId: string,
  fields: Partial<AuditRecord>,
): AuditRecord => auditRow({ requestId, at: now, environmentId, workspaceId, ...fields });

const usage = (
  requestId: string,
  environmentId: string,
  workspaceId: string,
  fields: Partial<UsageRecord>,
): UsageRecord => usageRow({ requestId, at: now, environmentId, workspaceId, attempt: 1, ...fields });

/**
 * dev: r1 (3h ago, chat, key), r2 (2h, embed, 429), r3 (1h, chat, key, a failed attempt then a
 * fallback), r4 (30h ago, outside the default window). prod: p1.
 */
beforeAll(async () => {
  const home = tempHome();
  vmx = cli(home);
  await vmx('workspace create acme');
  await vmx('env add dev -w acme');
  await vmx('env add prod -w acme');
  await vmx('use acme/dev');
  keyId = (await vmx('key create laptop --json')).json().id;
  const dev = (await vmx('env show dev --json')).json();
  const prod = (await vmx('env show prod --json')).json();
  const ws = dev.workspaceId as string;

  const store = openStore(join(home, 'vmx.db'));
  store.transaction(() => {
    store.audit.insert(audit('r1', dev.id, ws, { at: now - 3 * HOUR, keyId, correlationId: 'c-1' }));
    store.audit.insert(
      audit('r2', dev.id, ws, {
        at: now - 2 * HOUR,
        resource: 'embed',
        route: 'embeddings',
        status: 429,
        error: 'rate limited: 60r/m',
      }),
    );
    store.audit.insert(
      audit('r3', dev.id, ws, {
        at: now - HOUR,
        keyId,
        stream: true,
        events: [
          { type: 'attempt', provider: 'openai', status: 502 },
          { type: 'fallback', to: 'groq/llama' },
        ],
        timings: { gateMs: 1, providerMs: 900, totalMs: 950 },
        requestBody: '{"model":"chat","messages":[{"role":"user","content":"hello there"}]}',
        responseBody: 'data: {"choices":[]}',
        durationMs: 950,
      }),
    );
    store.audit.insert(audit('r4', dev.id, ws, { at: now - 30 * HOUR }));
    store.audit.insert(audit('p1', prod.id, ws, { at: now - HOUR }));
    // Ids as the daemon makes them (UUIDv7), long ago: found by a prefix of theirs.
    for (const [id, env] of [
      [PREFIXED[0], dev.id],
      [PREFIXED[1], dev.id],
      [PREFIXED[2], prod.id],
    ] as const)
      store.audit.insert(audit(id, env, ws, { at: now - 100 * HOUR }));
    // A request to a path naming no existing environment belongs to none.
    store.audit.insert({
      ...audit('n1', '', '', { at: now - HOUR, status: 404, error: "environment 'acme/nope' not found" }),
      environmentId: null,
      workspaceId: null,
    });

    store.usage.insertMany([
      usage('r1', dev.id, ws, {
        at: now - 3 * HOUR,
        keyId,
        inputTokens: 10,
        outputTokens: 5,
        totalTokens: 15,
        costNano: 125_000,
      }),
      usage('r2', dev.id, ws, {
        at: now - 2 * HOUR,
        resource: 'embed',
        model: 'text-embedding-3-small',
        status: 429,
        error: 'rate limited',
      }),
      usage('r3', dev.id, ws, {
        at: now - HOUR,
        keyId,
        connectionId: REMOVED_CONNECTION,
        status: 502,
        error: 'bad gateway',
        final: false,
        durationMs: 300,
      }),
      usage('r3', dev.id, ws, {
        at: now - HOUR,
        attempt: 2,
        keyId,
        provider: 'groq',
        model: 'llama',
        inputTokens: 100,
        outputTokens: 50,
        totalTokens: 150,
        cachedTokens: 20,
        costNano: null,
        durationMs: 950,
        ttftMs: 120,
      }),
      usage('r4', dev.id, ws, {
        at: now - 30 * HOUR,
        inputTokens: 1000,
        outputTokens: 1000,
        totalTokens: 2000,
        costNano: 9_000_000,
      }),
      usage('p1', prod.id, ws, { at: now - HOUR, inputTokens: 7, outputTokens: 7, totalTokens: 14 }),
    ]);
  });
  store.close();
});

const ids = async (args: string) => {
  const result = await vmx(`${args} --json`);
  expect(result.stderr).toBe('');
  return result.json().map((r: { id: string }) => r.id);
};

describe('vmx audit', () => {
  it('lists the last 24h newest first, with filters', async () => {
    expect(await ids('audit list')).toEqual(['r3', 'r2', 'r1']);
    expect(await ids('audit list --since 48h')).toEqual(['r3', 'r2', 'r1', 'r4']);
    expect(await ids('audit list --status 429')).toEqual(['r2']);
    expect(await ids('audit list --resource chat')).toEqual(['r3', 'r1']);
    expect(await ids('audit list --key laptop')).toEqual(['r3', 'r1']);
    expect(await ids(`audit list --key ${keyId}`)).toEqual(['r3', 'r1']);
    expect(await ids('audit list --correlation-id c-1')).toEqual(['r1']);
    expect(await ids('audit list --limit 2')).toEqual(['r3', 'r2']);
    expect(await ids('audit list -e prod')).toEqual(['p1']);
    expect(await ids('audit list --since 30m')).toEqual([]);
  });

  it('finds failures: status classes and comparisons, --errors, --until, --connection, --model', async () => {
    expect(await ids('audit list --status 4xx')).toEqual(['r2']);
    expect(await ids('audit list --status 4XX')).toEqual(['r2']);
    expect(await ids('audit list --status 5xx')).toEqual([]);
    expect(await ids('audit list --status 2xx')).toEqual(['r3', 'r1']);
    // As the shell passes '>=400' (the in-process CLI splits on spaces, no shell quoting).
    expect(await ids('audit list --status >=400')).toEqual(['r2']);
    expect(await ids('audit list --status <400')).toEqual(['r3', 'r1']);
    expect(await ids('audit list --status 400-499')).toEqual(['r2']);
    // r2 was refused; r3 was answered by its fallback after a 502.
    expect(await ids('audit list --errors')).toEqual(['r3', 'r2']);
    expect(await ids('audit list --errors --status 200')).toEqual(['r3']);
    expect(await ids('audit list --until 90m')).toEqual(['r2', 'r1']);
    expect(await ids('audit list --since 150m --until 90m')).toEqual(['r2']);
    expect(await ids(`audit list --connection ${REMOVED_CONNECTION}`)).toEqual(['r3']);
    expect(await ids('audit list --model llama')).toEqual(['r3']);
    expect(await ids('audit list --model text-embedding-3-small')).toEqual(['r2']);
    expect(await ids('audit list --model gpt-4o')).toEqual(['r3', 'r1']);
  });

  it('shows a request by a unique prefix of its id', async () => {
    expect((await vmx('audit show 0193f2a4-5b6c --json')).json()).toMatchObject({ id: PREFIXED[0] });
    expect((await vmx('audit show 0193F2A4-5B6D --json')).json()).toMatchObject({ id: PREFIXED[1] });
    // Two in dev start so (a third is prod's, invisible here).
    const ambiguous = await vmx('audit show 0193f2a4-5b');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(
      `error: request id prefix '0193f2a4-5b' is ambiguous: it matches 2 requests: ${PREFIXED[0]}, ${PREFIXED[1]}\n`,
    );
    expect(ambiguous.stderr).not.toContain(PREFIXED[2]!);
    const none = await vmx('audit show 0193f2a4-5b6e --json');
    expect(none.code).toBe(3);
    expect(none.error()).toEqual({
      code: 'not_found',
      message: "request '0193f2a4-5b6e' not found in environment 'acme/dev'",
    });
    expect((await vmx('audit show 0193f2a4-5b6e -e prod --json')).json()).toMatchObject({ id: PREFIXED[2] });
    const short = await vmx('audit show 019');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("error: request id '019' is too short");
  });

  it('prints full records under --json and a table for people', async () => {
    const [r3] = (await vmx('audit list --json')).json();
    expect(r3).toMatchObject({
      id: 'r3',
      requestId: 'r3',
      status: 200,
      stream: true,
      keyId,
      time: new Date(now - HOUR).toISOString(),
    });

    const table = await vmx('audit list');
    expect(table.code).toBe(0);
    for (const header of ['TIME', 'REQUEST ID', 'STATUS', 'RESOURCE', 'ROUTE', 'DURATION', 'ERROR'])
      expect(table.stdout).toContain(header);
    expect(table.stdout.indexOf('r3')).toBeLessThan(table.stdout.indexOf('r2'));
    expect(table.stdout).toContain('rate limited: 60r/m');
    expect(table.stdout).toContain('950ms');
    expect((await vmx('audit list --since 30m')).stdout).toMatch(/^no requests since .* in acme\/dev\n$/);
  });

  it('shows one request with its events, timings, bodies and attempts', async () => {
    const shown = await vmx('audit show r3 --json');
    expect(shown.code).toBe(0);
    const record = shown.json();
    expect(record).toMatchObject({
      id: 'r3',
      events: [
        { type: 'attempt', provider: 'openai', status: 502 },
        { type: 'fallback', to: 'groq/llama' },
      ],
      timings: { gateMs: 1, providerMs: 900, totalMs: 950 },
      requestBody: '{"model":"chat","messages":[{"role":"user","content":"hello there"}]}',
      responseBody: 'data: {"choices":[]}',
    });
    expect(record.usage.map((u: UsageRecord) => [u.attempt, u.provider, u.status])).toEqual([
      [1, 'openai', 502],
      [2, 'groq', 200],
    ]);

    const human = await vmx('audit show r3');
    expect(human.code).toBe(0);
    for (const text of [
      'requestId:',
      'chat (stream)',
      'laptop',
      'providerMs: 900',
      '"type":"fallback"',
      'hello there',
      'attempts:',
      'groq',
      'bad gateway',
    ]) {
      expect(human.stdout).toContain(text);
    }
  });

  it("does not show another environment's requests", async () => {
    const other = await vmx('audit show p1 --json');
    expect(other.code).toBe(3);
    expect(other.error()).toEqual({ code: 'not_found', message: "request 'p1' not found in environment 'acme/dev'" });
    expect((await vmx('audit show p1 -e prod --json')).json()).toMatchObject({
      id: 'p1',
      usage: [expect.objectContaining({ totalTokens: 14 })],
    });
    expect((await vmx('audit show nope')).code).toBe(3);
    expect((await vmx('audit show n1 --json')).json()).toMatchObject({
      id: 'n1',
      status: 404,
      environmentId: null,
      usage: [],
    });
  });

  it('refuses bad filters', async () => {
    expect((await vmx('audit list --key nobody')).code).toBe(3);
    for (const status of ['abc', '700', '6xx', '=>400', '499-400']) {
      const refused = await vmx(['audit', 'list', '--status', status]);
      expect([status, refused.code]).toEqual([status, 2]);
      expect(refused.stderr).toContain(
        `error: invalid --status '${status}': expected a code (429), a class (4xx, 5xx)`,
      );
    }
    expect((await vmx('audit list --since 1h --until 2h')).code).toBe(2);
    expect((await vmx('audit list --connection nowhere')).code).toBe(3);
    expect((await vmx('audit list --since yesterday')).code).toBe(2);
    expect((await vmx('audit list --limit 0')).code).toBe(2);
    expect((await vmx('audit show')).code).toBe(2);
  });
});

describe('vmx usage', () => {
  const counts = (
    requests: number,
    attempts: number,
    errors: number,
    fallbacks: number,
    inputTokens: number,
    outputTokens: number,
    cachedTokens = 0,
  ) => ({
    requests,
    attempts,
    errors,
    fallbacks,
    inputTokens,
    outputTokens,
    cachedTokens,
    totalTokens: inputTokens + outputTokens,
  });
  /** Percentiles are reported to within 1%. */
  const near = (value: number | null, expected: number) => {
    expect(value).not.toBeNull();
    expect(Math.abs(value! - expected) / expected).toBeLessThan(0.01);
  };

  it('groups by resource and model by default, over the last 24h: requests on the answering attempt, errors and fallbacks per attempt', async () => {
    const result = await vmx('usage --json');
    expect(result.code).toBe(0);
    const [gpt, llama, embed] = result.json().rows;
    expect(gpt).toMatchObject({
      resource: 'chat',
      model: 'gpt-4o',
      ...counts(1, 2, 1, 1, 10, 5),
      cost: 0.000125,
      unpricedAttempts: 0,
      ttftP50Ms: null,
    });
    near(gpt.latencyP50Ms, 90);
    expect(llama).toMatchObject({
      resource: 'chat',
      model: 'llama',
      ...counts(1, 1, 0, 0, 100, 50, 20),
      cost: null,
      knownCost: 0,
      unpricedAttempts: 1,
    });
    near(llama.latencyP95Ms, 950);
    near(llama.ttftP50Ms, 120);
    expect(embed).toMatchObject({
      resource: 'embed',
      model: 'text-embedding-3-small',
      ...counts(1, 1, 1, 0, 0, 0),
      cost: 0,
    });
  });

  it('groups by other dimensions, names keys, and moves the window', async () => {
    expect((await vmx('usage --by provider --json')).json().rows).toMatchObject([
      { provider: 'groq', ...counts(1, 1, 0, 0, 100, 50, 20) },
      { provider: 'openai', ...counts(2, 3, 2, 1, 10, 5) },
    ]);
    expect((await vmx('usage --by key --json')).json().rows).toMatchObject([
      { key: null, keyName: null, ...counts(1, 1, 1, 0, 0, 0) },
      { key: keyId, keyName: 'laptop', ...counts(2, 3, 1, 1, 110, 55, 20) },
    ]);
    expect((await vmx('usage --since 48h --by resource --json')).json().rows).toMatchObject([
      { resource: 'chat', ...counts(3, 4, 1, 1, 1110, 1055, 20), knownCost: 0.009125, cost: null },
      { resource: 'embed', ...counts(1, 1, 1, 0, 0, 0) },
    ]);
    expect((await vmx('usage --since 48h --until 24h --by resource --json')).json().rows).toMatchObject([
      { resource: 'chat', ...counts(1, 1, 0, 0, 1000, 1000), cost: 0.009 },
    ]);
    // Every hour of the window is listed, those with requests among them.
    const hours = (await vmx('usage --since 48h --by hour --json')).json().rows;
    expect(hours).toHaveLength(48);
    expect(hours.filter((h: { requests: number }) => h.requests > 0).map((h: { hour: string }) => h.hour)).toEqual(
      [30, 3, 2, 1].map((back) => new Date(Math.floor((now - back * HOUR) / HOUR) * HOUR).toISOString()),
    );
    const days = (await vmx('usage --since 48h --by day --json')).json().rows;
    expect(days.reduce((sum: number, d: { requests: number }) => sum + d.requests, 0)).toBe(4);
    expect(days.every((d: { day: string }) => /^\d{4}-\d{2}-\d{2}$/.test(d.day))).toBe(true);
  });

  it('filters by resource and key in the query', async () => {
    expect((await vmx('usage --key laptop --by model --json')).json().rows).toMatchObject([
      { model: 'gpt-4o', ...counts(1, 2, 1, 1, 10, 5) },
      { model: 'llama', ...counts(1, 1, 0, 0, 100, 50, 20) },
    ]);
    expect((await vmx('usage --resource embed --by provider --json')).json().rows).toMatchObject([
      { provider: 'openai', ...counts(1, 1, 1, 0, 0, 0) },
    ]);
    expect((await vmx('usage --resource chat --key laptop --by resource --json')).json().rows).toMatchObject([
      { resource: 'chat', ...counts(2, 3, 1, 1, 110, 55, 20) },
    ]);
    expect((await vmx('usage -e prod --by resource --json')).json().rows).toMatchObject([
      { resource: 'chat', ...counts(1, 1, 0, 0, 7, 7) },
    ]);
  });

  it('names a revoked key by its id', async () => {
    await vmx('key create temp');
    const temp = (await vmx('key show temp --json')).json().id as string;
    await vmx('key revoke temp --yes');
    expect((await vmx(`usage --key ${temp} --json`)).json().rows).toEqual([]);
    expect((await vmx(`audit list --key ${temp} --json`)).json()).toEqual([]);
    expect((await vmx('usage --key temp')).code).toBe(3);
  });

  it('prints a table with a totals row', async () => {
    const table = await vmx('usage --by resource');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^usage in acme\/dev, /);
    for (const header of [
      'RESOURCE',
      'REQUESTS',
      'ERRORS',
      'FALLBACKS',
      'INPUT',
      'OUTPUT',
      'CACHED',
      'COST',
      'LATENCY P50/P95',
      'TTFT P50/P95',
    ]) {
      expect(table.stdout).toContain(header);
    }
    // Not a terminal: tab-separated rows under a tab-separated header.
    const rows = table.stdout
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => l.split('\t'));
    expect(rows[1]!.slice(0, 8)).toEqual(['chat', '2', '1', '1', '110', '55', '20', '$0.000125 + unknown']);
    expect(rows.at(-1)!.slice(0, 8)).toEqual(['total', '3', '2', '1', '110', '55', '20', '$0.000125 + unknown']);
    expect((await vmx('usage --since 30m')).stdout).toMatch(/^no usage in acme\/dev from /);
  });

  it('refuses bad input', async () => {
    expect((await vmx('usage --by colour')).code).toBe(2);
    expect((await vmx('usage --since 1h --until 2h')).code).toBe(2);
    expect((await vmx('usage --key nobody')).code).toBe(3);
  });
});
