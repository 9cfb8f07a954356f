import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliDeps } from '../../../src/cli/context.js';
import { main } from '../../../src/cli/main.js';
import { tempHome as homeForTerminal } from '../../helpers/temp-home.js';
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

describe('vmx connection test against a server that never answers', () => {
  let server: Server;
  let port: number;
  const sockets: Socket[] = [];
  const home = homeForTerminal();
  const vmx = cli(home);
  beforeAll(async () => {
    // Accepts connections and never answers: the probe waits for its first byte until it gives up.
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    await vmx('workspace create acme');
    await vmx('env add dev -w acme');
    await vmx('use acme/dev');
    await vmx(
      `connection add hung --provider openai --base-url http://127.0.0.1:${port} --api-key-env K --first-byte-timeout 1s`.split(
        ' ',
      ),
      { env: { K: 'sk-hung-0000' } },
    );
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** The command with stderr as a terminal (or not); what it wrote there. */
  const run = async (args: string, isTTY: boolean) => {
    let stderr = '';
    const deps: CliDeps = {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t), isTTY },
      stdin: Readable.from([]),
      env: { VMX_HOME: home, VMX_USER: 'alice', NO_COLOR: '1', VMX_CREDENTIAL_STORE: 'file' },
      prompter: undefined as never,
      canPrompt: false,
    };
    const code = await main(args.split(' '), deps);
    return { code, stderr };
  };

  it('shows a spinner on a terminal while it waits, and clears it', async () => {
    const { code, stderr } = await run('connection test hung', true);
    expect(code).toBe(1);
    expect(stderr).toContain('\r\x1b[2K⠋ testing hung (openai)…');
    // The line is cleared before the error is written.
    expect(stderr).toMatch(/\r\x1b\[2Kerror: hung: /);
  });

  it('draws nothing when stderr is not a terminal, or under --json', async () => {
    for (const [args, tty] of [
      ['connection test hung', false],
      ['connection test hung --json', true],
    ] as const) {
      const { code, stderr } = await run(args, tty);
      expect(code).toBe(1);
      expect(stderr).not.toContain('testing hung');
    }
  });
});
