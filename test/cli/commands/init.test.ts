import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliDeps } from '../../../src/cli/context.js';
import type { Prompter } from '../../../src/cli/io/prompter.js';
import { main } from '../../../src/cli/main.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

describe('vmx init', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  });
  afterAll(() => fake.close());

  it('sets everything up from flags without a TTY and prints a working snippet', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const out = await vmx(
      `init -w acme -e dev --provider openai --base-url ${fake.url} --api-key-env OA --model gpt-4o-mini --json`,
      { env: { OA: 'sk-init' } },
    );
    expect(out.code, out.stderr).toBe(0);
    // The connection was tested with a one-token completion before it was saved.
    expect(fake.requests.map((r) => [r.path, r.headers.authorization, r.json?.model])).toEqual([
      ['/v1/chat/completions', 'Bearer sk-init', 'gpt-4o-mini'],
    ]);
    const body = out.json();
    expect(body.baseUrl).toBe('http://127.0.0.1:3000/v1');
    expect(body.anthropicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(body.environmentBaseUrl).toBe('http://127.0.0.1:3000/v1/completion/acme/dev');
    expect(body.apiKey.key).toMatch(/^vmx_[0-9A-Za-z]{43}$/);
    expect(body.snippets.openai).toContain(`baseURL: '${body.baseUrl}'`);
    expect(body.snippets.openai).toContain("model: 'chat'");
    expect(body.snippets.python).toContain(`base_url="${body.baseUrl}"`);
    expect(body.snippets.curl).toContain(`curl -s ${body.baseUrl}/chat/completions`);
    expect(body.snippets.anthropic).toContain(`baseURL: '${body.anthropicBaseUrl}'`);
    // The two Node snippets can share a file: their clients have names of their own.
    expect(body.snippets.openai).toContain('const openai = new OpenAI(');
    expect(body.snippets.anthropic).toContain('const anthropic = new Anthropic(');
    expect(out.stdout).not.toContain('sk-init');

    expect((await vmx('whoami --json')).json()).toMatchObject({ workspace: 'acme', environment: 'dev' });
    expect((await vmx('resource show chat --json')).json()).toMatchObject({
      model: { connection: 'openai', model: 'gpt-4o-mini' },
    });
    expect((await vmx('connection show openai --json')).json().secret).toMatchObject({ value: '********' });
    expect((await vmx('key list --json')).json()).toEqual([
      expect.objectContaining({ name: 'local', resources: null }),
    ]);

    // A second init in the same workspace/environment reuses them and adds the new pieces.
    const again = await vmx(
      'init -w acme -e dev --provider openai-compatible --base-url http://127.0.0.1:11434/v1 --connection ollama --resource local-chat --key ci --skip-test',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(fake.requests).toHaveLength(1);
    expect(again.stdout).toContain('export VMX_API_KEY=vmx_');
    expect(again.stdout).toContain("import OpenAI from 'openai'");
    expect((await vmx('workspace list --json')).json()).toHaveLength(1);
    expect((await vmx('resource list --json')).json().map((r: any) => r.name)).toEqual(['chat', 'local-chat']);
  });

  it('refuses missing input without a TTY and leaves nothing behind', async () => {
    const vmx = cli(tempHome());
    const noProvider = await vmx('init -w acme');
    expect(noProvider.code).toBe(2);
    expect(noProvider.stderr).toContain('--provider');
    const noSecret = await vmx('init -w acme --provider anthropic');
    expect(noSecret.code).toBe(2);
    expect((await vmx('workspace list --json')).json()).toEqual([]);
  });

  it('asks for everything on a TTY (scripted prompter)', async () => {
    const home = tempHome();
    let stdout = '';
    const answers: Record<string, string> = {
      Workspace: 'team',
      Environment: 'staging',
      'Connection name': 'claude',
      'Resource name (what clients send as model)': 'assistant',
      'API key name': 'laptop',
      Model: 'claude-sonnet-4-5',
    };
    const asked: string[] = [];
    const prompter: Prompter = {
      input: async (message) => (asked.push(message), answers[message] ?? ''),
      select: (async (message: string) => (asked.push(message), 'anthropic')) as Prompter['select'],
      confirm: async () => true,
      password: async (message) => (asked.push(message), 'sk-ant-tty'),
    };
    const deps: CliDeps = {
      stdout: { write: (t: string) => (stdout += t), isTTY: true },
      stderr: { write: () => true },
      stdin: process.stdin,
      env: { VMX_HOME: home, VMX_USER: 'alice', VMX_CREDENTIAL_STORE: 'file' },
      prompter,
      canPrompt: true,
    };
    // No provider to reach here: --skip-test saves the connection untested.
    expect(await main(['init', '--skip-test'], deps)).toBe(0);
    expect(asked).toEqual([
      'Workspace',
      'Environment',
      'Provider',
      'Connection name',
      'Model',
      'API key for claude',
      'Resource name (what clients send as model)',
      'API key name',
    ]);
    expect(stdout).toContain('Anthropic base URL: http://127.0.0.1:3000\n');
    expect(stdout).toContain("model: 'assistant'");
    const vmx = cli(home);
    expect((await vmx('resource show assistant -w team -e staging --json')).json()).toMatchObject({
      model: { connection: 'claude', provider: 'anthropic', model: 'claude-sonnet-4-5' },
    });
  });
});
