import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { cli, type CliResult } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

/** What an Azure-style `api-key` header carries: a credential like any API key. */
const HEADER_SECRET = 'azure-key-4b7e9d2c1a0f8e6d';
const OTHER_SECRET = 'team-token-8c1d2e3f4a5b';

async function setup() {
  const home = tempHome();
  const vmx = cli(home);
  for (const step of ['workspace create acme', 'env add dev -w acme', 'use acme/dev'])
    expect((await vmx(step)).code).toBe(0);
  return { home, vmx };
}

const secretsFile = (home: string): Record<string, Record<string, string>> =>
  Object.fromEntries(
    Object.entries(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')) as Record<string, string>).map(
      ([id, entry]) => [id, JSON.parse(entry)],
    ),
  );

const storedConfig = (home: string, name: string): Record<string, unknown> => {
  const db = new Database(join(home, 'vmx.db'), { readonly: true });
  try {
    return JSON.parse(
      (db.prepare('SELECT config FROM connections WHERE name = ?').get(name) as { config: string }).config,
    );
  } finally {
    db.close();
  }
};

const expectClean = (outputs: CliResult[], ...secrets: string[]) => {
  for (const out of outputs) for (const secret of secrets) expect(out.stdout + out.stderr).not.toContain(secret);
};

describe('--header values are secrets', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('keeps the values in the credential store and only the names in the database, masked in every output', async () => {
    const { home, vmx } = await setup();
    const added = await vmx([
      'connection',
      'add',
      'az',
      '--provider',
      'openai-compatible',
      '--base-url',
      fake.url,
      '--header',
      `api-key: ${HEADER_SECRET}`,
      '--header',
      `X-Team: ${OTHER_SECRET}`,
      '--json',
    ]);
    expect(added.code).toBe(0);
    expect(added.json().config.headers).toEqual({ 'api-key': '********', 'X-Team': '********' });
    expect(added.json().secret).toMatchObject({ value: '********', source: 'file' });

    const outputs = [
      added,
      await vmx('connection show az'),
      await vmx('connection show az --json'),
      await vmx('connection list'),
      await vmx('connection list --json'),
    ];
    expectClean(outputs, HEADER_SECRET, OTHER_SECRET);
    expect(outputs[1]!.stdout).toContain('api-key: ********');
    for (const file of ['vmx.db', 'vmx.db-wal']) {
      const path = join(home, file);
      if (existsSync(path)) expect(readFileSync(path).includes(Buffer.from(HEADER_SECRET))).toBe(false);
    }
    expect(storedConfig(home, 'az')).toEqual({ baseUrl: fake.url, headers: ['api-key', 'X-Team'] });
    const id = added.json().id as string;
    expect(secretsFile(home)[id]).toEqual({ 'header:api-key': HEADER_SECRET, 'header:X-Team': OTHER_SECRET });

    // `connection test` sends them, and blanks them where the provider echoes one.
    expect((await vmx('connection test az')).code).toBe(0);
    expect(fake.requests.at(-1)!.headers).toMatchObject({ 'api-key': HEADER_SECRET, 'x-team': OTHER_SECRET });
    fake.enqueue({
      kind: 'error',
      status: 401,
      body: { error: { message: `Access denied: invalid subscription key ${HEADER_SECRET}` } },
    });
    const failed = await vmx('connection test az --model fake-model');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('invalid subscription key ********');
    expectClean([failed], HEADER_SECRET);
  });

  it('update keeps, replaces and removes header values; a new credential keeps them', async () => {
    const { home, vmx } = await setup();
    const id = (
      await vmx(
        [
          'connection',
          'add',
          'az',
          '--provider',
          'openai',
          '--api-key-env',
          'K',
          '--header',
          `api-key: ${HEADER_SECRET}`,
          '--header',
          'X-Team: ai',
          '--json',
        ],
        { env: { K: 'sk-first-key-000' } },
      )
    ).json().id;
    expect(secretsFile(home)[id]).toEqual({
      apiKey: 'sk-first-key-000',
      'header:api-key': HEADER_SECRET,
      'header:X-Team': 'ai',
    });

    expect((await vmx('connection update az --api-key-stdin', { input: 'sk-rotated-key-111' })).code).toBe(0);
    expect(secretsFile(home)[id]).toEqual({
      apiKey: 'sk-rotated-key-111',
      'header:api-key': HEADER_SECRET,
      'header:X-Team': 'ai',
    });

    // A name compares case-insensitively: the new spelling and value replace the old ones.
    const respelled = await vmx(['connection', 'update', 'az', '--header', `API-Key: ${OTHER_SECRET}`, '--json']);
    expect(respelled.json().config.headers).toEqual({ 'X-Team': '********', 'API-Key': '********' });
    expectClean([respelled], OTHER_SECRET);
    expect(secretsFile(home)[id]).toEqual({
      apiKey: 'sk-rotated-key-111',
      'header:X-Team': 'ai',
      'header:API-Key': OTHER_SECRET,
    });

    const removed = await vmx(['connection', 'update', 'az', '--header', 'api-key:', '--header', 'x-team:', '--json']);
    expect(removed.json().config.headers).toBeUndefined();
    expect(storedConfig(home, 'az')).toEqual({});
    expect(secretsFile(home)[id]).toEqual({ apiKey: 'sk-rotated-key-111' });
  });

  it('takes a VMX_<CONNECTION>_HEADER_<NAME> override, reported and never stored', async () => {
    const { home, vmx } = await setup();
    const id = (
      await vmx([
        'connection',
        'add',
        'az',
        '--provider',
        'openai-compatible',
        '--base-url',
        fake.url,
        '--header',
        'api-key: stored-value-123',
        '--json',
      ])
    ).json().id;
    const env = { VMX_AZ_HEADER_API_KEY: HEADER_SECRET };
    const shown = await vmx('connection show az --json', { env });
    expect(shown.json().secret).toMatchObject({ value: '********', envOverrides: ['VMX_AZ_HEADER_API_KEY'] });
    expect((await vmx('connection test az', { env })).code).toBe(0);
    expect(fake.requests.at(-1)!.headers['api-key']).toBe(HEADER_SECRET);
    expect(secretsFile(home)[id]).toEqual({ 'header:api-key': 'stored-value-123' });
  });

  it('never repeats a malformed --header, which may be nothing but the secret', async () => {
    const { vmx } = await setup();
    const out = await vmx([
      'connection',
      'add',
      'x',
      '--provider',
      'openai-compatible',
      '--base-url',
      fake.url,
      '--header',
      HEADER_SECRET,
    ]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--header');
    expectClean([out], HEADER_SECRET);
  });

  it('masks values an older vmx left in the config, keeps sending them, and moves them to the store on the next update', async () => {
    const { home, vmx } = await setup();
    const id = (
      await vmx(['connection', 'add', 'legacy', '--provider', 'openai-compatible', '--base-url', fake.url, '--json'])
    ).json().id;
    const db = new Database(join(home, 'vmx.db'));
    db.prepare('UPDATE connections SET config = ? WHERE id = ?').run(
      JSON.stringify({ baseUrl: fake.url, headers: { 'api-key': HEADER_SECRET } }),
      id,
    );
    db.close();

    const outputs = [
      await vmx('connection show legacy --json'),
      await vmx('connection show legacy'),
      await vmx('connection list --json'),
      await vmx('connection list'),
    ];
    expectClean(outputs, HEADER_SECRET);
    expect(outputs[0]!.json().config.headers).toEqual({ 'api-key': '********' });
    expect((await vmx('connection test legacy')).code).toBe(0);
    expect(fake.requests.at(-1)!.headers['api-key']).toBe(HEADER_SECRET);
    fake.enqueue({ kind: 'error', status: 401, body: { error: { message: `bad key ${HEADER_SECRET}` } } });
    const failed = await vmx('connection test legacy --model fake-model');
    expect(failed.stderr).toContain('bad key ********');
    expectClean([failed], HEADER_SECRET);

    const updated = await vmx('connection update legacy --description moved --json');
    expect(updated.code).toBe(0);
    expectClean([updated], HEADER_SECRET);
    expect(storedConfig(home, 'legacy')).toEqual({ baseUrl: fake.url, headers: ['api-key'] });
    expect(secretsFile(home)[id]).toEqual({ 'header:api-key': HEADER_SECRET });
    expect((await vmx('connection test legacy')).code).toBe(0);
    expect(fake.requests.at(-1)!.headers['api-key']).toBe(HEADER_SECRET);
  });
});

describe('credentials in a base URL are refused', () => {
  it.each([
    ['user:pass@', 'https://alice:SECRETPASS@proxy.example/v1'],
    ['?key=', 'https://generativelanguage.example/v1beta/openai?key=SECRETPASS'],
    ['?api_key=', 'https://proxy.example/v1?api_key=SECRETPASS'],
    ['?access_token=', 'https://proxy.example/v1?foo=1&access_token=SECRETPASS'],
  ])('%s → exit 2 with a hint, nothing stored or printed', async (_case, url) => {
    const { home, vmx } = await setup();
    const added = await vmx(['connection', 'add', 'x', '--provider', 'openai-compatible', '--base-url', url]);
    expect(added.code).toBe(2);
    expect(added.stderr).toContain('--base-url');
    expect(added.stderr).toMatch(/hint: .*--api-key-stdin.*--header/);
    expectClean([added], 'SECRETPASS');
    expect((await vmx('connection list --json')).json()).toEqual([]);

    expect((await vmx('connection add y --provider openai-compatible --base-url https://proxy.example/v1')).code).toBe(
      0,
    );
    const updated = await vmx(['connection', 'update', 'y', '--base-url', url]);
    expect(updated.code).toBe(2);
    expectClean([updated], 'SECRETPASS');
    expect(storedConfig(home, 'y')).toEqual({ baseUrl: 'https://proxy.example/v1' });
  });

  it('refuses them as --endpoint too, and accepts harmless query parameters', async () => {
    const { vmx } = await setup();
    const bedrock = await vmx([
      'connection',
      'add',
      'b',
      '--provider',
      'aws-bedrock',
      '--region',
      'us-east-1',
      '--endpoint',
      'https://u:SECRETPASS@bedrock.example',
    ]);
    expect([bedrock.code, bedrock.stderr.includes('--endpoint'), bedrock.stderr.includes('SECRETPASS')]).toEqual([
      2,
      true,
      false,
    ]);
    const azure = await vmx([
      'connection',
      'add',
      'az',
      '--provider',
      'openai-compatible',
      '--base-url',
      'https://acme.example/openai?api-version=2024-10-21',
      '--json',
    ]);
    expect(azure.code).toBe(0);
    expect(azure.json().baseUrl).toBe('https://acme.example/openai?api-version=2024-10-21');
  });
});

describe('upstream timeouts per connection', () => {
  it('are set with durations, kept on update, and shown with the defaults filled in', async () => {
    const { vmx } = await setup();
    const plain = (
      await vmx('connection add plain --provider openai-compatible --base-url http://127.0.0.1:9/v1 --json')
    ).json();
    expect(plain.timeouts).toEqual({ connect: '10s', firstByte: '2m', idle: '1m' });

    const added = await vmx(
      'connection add slow --provider openai-compatible --base-url http://127.0.0.1:9/v1 --connect-timeout 5s --first-byte-timeout 5m --idle-timeout 90s --json',
    );
    expect(added.json()).toMatchObject({
      config: { connectTimeoutMs: 5_000, firstByteTimeoutMs: 300_000, idleTimeoutMs: 90_000 },
      timeouts: { connect: '5s', firstByte: '5m', idle: '90s' },
    });
    const updated = (await vmx('connection update slow --idle-timeout 2m --json')).json();
    expect(updated.timeouts).toEqual({ connect: '5s', firstByte: '5m', idle: '2m' });
    expect((await vmx('connection show slow')).stdout).toMatch(/timeouts: .*idle: 2m/);

    const bad = await vmx('connection update slow --idle-timeout soon');
    expect([bad.code, bad.stderr.includes('--idle-timeout')]).toEqual([2, true]);
  });
});
