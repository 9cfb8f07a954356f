import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

describe('vmx connection test', () => {
  let fake: FakeOpenAI;
  const vmx = cli(tempHome());
  const secret = 'sk-conn-test-5e6f7a8b9c';
  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['a', 'b', 'c'] });
    await vmx('workspace create acme');
    await vmx('env add dev -w acme');
    await vmx('use acme/dev');
    await vmx(
      [
        'connection',
        'add',
        'up',
        '--provider',
        'openai',
        '--base-url',
        fake.url,
        '--api-key-env',
        'K',
        '--first-byte-timeout',
        '2s',
      ],
      { env: { K: secret } },
    );
  });
  afterAll(() => fake.close());

  it('lists models through the adapter and reports latency', async () => {
    const out = await vmx('connection test up --json');
    expect(out.code).toBe(0);
    expect(out.json()).toMatchObject({
      connection: 'up',
      provider: 'openai',
      ok: true,
      models: 3,
      latencyMs: expect.any(Number),
    });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${secret}`);
  });

  it('sends a one-token completion with --model', async () => {
    const out = await vmx('connection test up --model fake-model');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/up: ok in \d+ ms \(model fake-model answered\)/);
    expect(fake.requests.at(-1)!.json).toEqual({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'ping' }],
      max_completion_tokens: 1,
    });
  });

  it("reports the provider's error without the secret", async () => {
    fake.enqueue({ kind: 'error', status: 401, body: { error: { message: `Incorrect API key provided: ${secret}` } } });
    const out = await vmx('connection test up --model fake-model');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('up: 401 Incorrect API key provided: ********');
    expect(out.stderr).not.toContain(secret);
  });

  it('stores the timeouts on the connection', async () => {
    expect((await vmx('connection show up --json')).json().config).toMatchObject({ firstByteTimeoutMs: 2000 });
    expect((await vmx('connection update up --connect-timeout soon')).code).toBe(2);
  });
});
