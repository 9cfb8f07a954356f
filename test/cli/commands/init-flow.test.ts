import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliDeps } from '../../../src/cli/context.js';
import type { Choice, Prompter } from '../../../src/cli/io/prompter.js';
import { main } from '../../../src/cli/main.js';
import { openAIError, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { freePort, started } from '../../helpers/processes.js';
import { cli as inProcess } from '../../helpers/run-cli-in-process.js';
import { cli as spawned } from '../../helpers/run-cli.js';
import { tempHome } from '../../helpers/temp-home.js';

const GOOD_KEY = 'sk-local-8f3e2d1c';
const WRONG_KEY = 'sk-wrong-0000';

/**
 * `vmx init` on a terminal with scripted answers. `script` maps the start of a prompt's message to the
 * answers given to it, in turn; an input's `validate` runs on each answer as inquirer runs it, and a
 * refused answer (its message noted in `refused`) makes the prompt take the next one, as a user would
 * type again.
 */
function terminal(home: string, script: Record<string, unknown[]>) {
  let stdout = '';
  const asked: string[] = [];
  const refused: Array<[prompt: string, message: string]> = [];
  const next = (message: string): unknown => {
    asked.push(message);
    // The longest start that matches: `Workspace 'acme' already exists` before `Workspace`.
    const key = Object.keys(script)
      .filter((start) => message.startsWith(start))
      .sort((a, b) => b.length - a.length)[0];
    if (!key || script[key]!.length === 0) throw new Error(`unscripted prompt: ${message}`);
    return script[key]!.shift();
  };
  const prompter: Prompter = {
    async input(message, options) {
      for (;;) {
        const answer = next(message) as string;
        const value = answer === '' ? (options?.default ?? '') : answer;
        const verdict = options?.validate ? await options.validate(value) : true;
        if (verdict === true) return value;
        refused.push([message, verdict]);
      }
    },
    select: (async (message: string, choices: Choice<unknown>[]) => {
      const answer = next(message);
      expect(choices.map((c) => c.value)).toContainEqual(answer);
      return answer;
    }) as Prompter['select'],
    confirm: async (message) => next(message) as boolean,
    password: async (message) => next(message) as string,
  };
  const deps: CliDeps = {
    stdout: { write: (text: string) => (stdout += text), isTTY: true },
    stderr: { write: (text: string) => (stdout += text) },
    stdin: process.stdin,
    env: { PATH: process.env.PATH, VMX_HOME: home, VMX_USER: 'alice', NO_COLOR: '1', VMX_CREDENTIAL_STORE: 'file' },
    prompter,
    canPrompt: true,
  };
  return {
    run: (args: string[]) => main(args, deps),
    asked,
    refused,
    get stdout() {
      return stdout;
    },
  };
}

/** The line `export VMX_API_KEY=…` init prints, and the key in it. */
function printedKey(stdout: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith('export VMX_API_KEY='));
  expect(line).toBeDefined();
  return line!.slice('export VMX_API_KEY='.length);
}

/** The block of printed lines that starts with `first` and ends before the next empty line. */
function block(stdout: string, first: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(first));
  expect(start, `a block starting with ${first}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

/** Runs a command with VMX_API_KEY set, as a user who pasted the export line would. */
function run(file: string, args: string[], options: { cwd?: string; key: string }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, VMX_API_KEY: options.key } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Whether this machine's python3 has the openai package (the Python snippet runs only then). */
function pythonHasOpenAI(): boolean {
  try {
    execFileSync('python3', ['-c', 'import openai'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('vmx init against an OpenAI-compatible server that requires a key', () => {
  let fake: FakeOpenAI;
  const authorization = () => fake.requests.map((r) => r.headers.authorization);
  beforeAll(async () => {
    // The server answers only the right key, as vLLM or llama.cpp started with --api-key do.
    fake = await startFakeOpenAI({
      choose: (request) =>
        request.headers.authorization === `Bearer ${GOOD_KEY}`
          ? undefined
          : { kind: 'error', status: 401, body: openAIError(401, 'Incorrect API key provided') },
    });
  });
  afterAll(() => fake.close());

  it('asks for the key, reports a wrong one, checks names as typed, and its snippets answer', async () => {
    const home = tempHome();
    const port = await freePort();
    const term = terminal(home, {
      Workspace: ['Not a name!', 'acme'],
      Environment: [''],
      Provider: ['openai-compatible'],
      'Connection name': [''],
      'Base URL of the server': [fake.url, ''],
      Model: ['fake-model', ''],
      'API key for openai-compatible': [WRONG_KEY, GOOD_KEY],
      'What now?': ['retry', 'edit'],
      'Resource name': [''],
      'API key name': [''],
    });
    expect(await term.run(['init', '--port', String(port)])).toBe(0);

    // The name was refused as it was typed, before any other question.
    expect(term.refused).toEqual([['Workspace', expect.stringContaining('must start with a letter or digit')]]);
    expect(term.asked).toEqual([
      'Workspace',
      'Workspace',
      'Environment',
      'Provider',
      'Connection name',
      'Base URL of the server',
      'Model',
      'API key for openai-compatible (leave empty if the server needs none)',
      'What now?',
      'What now?',
      'Base URL of the server',
      'API key for openai-compatible (leave empty to keep the one given, - for none)',
      'Model',
      'Resource name (what clients send as model)',
      'API key name',
    ]);
    // The wrong key was tried twice (first try, retry) and reported; the edited one worked.
    expect(authorization()).toEqual([`Bearer ${WRONG_KEY}`, `Bearer ${WRONG_KEY}`, `Bearer ${GOOD_KEY}`]);
    expect(term.stdout).toContain(`connection test failed: ${fake.url}: 401 Incorrect API key provided`);
    expect(term.stdout).toMatch(/✓ openai-compatible: fake-model answered in \d+ ms/);

    // The key is in the credential store, and in no other file of the data dir (the database included).
    const files = readdirSync(home).filter((f) => !f.endsWith('.pid') && !f.endsWith('.log'));
    expect(files).toContain('secrets.json');
    expect(files).toContain('vmx.db');
    for (const file of files)
      expect(readFileSync(join(home, file)).includes(GOOD_KEY), file).toBe(file === 'secrets.json');
    const vmx = inProcess(home);
    expect((await vmx('connection show openai-compatible -w acme -e dev --json')).json()).toMatchObject({
      config: { baseUrl: fake.url },
      secret: { value: '********' },
    });

    await snippetsAnswer(home, term.stdout, port);
  });

  /** Starts the real daemon, then runs the printed curl, Node and Python snippets as a user pastes them. */
  async function snippetsAnswer(home: string, stdout: string, port: number) {
    const key = printedKey(stdout);
    const vmx = spawned(home);
    const serve = await vmx(`serve --detach --port ${port} --json`);
    expect(serve.code, serve.stderr).toBe(0);
    started.add(serve.json().pid);
    try {
      const reply = 'Hello from fake model fake-model';
      const curl = await run('sh', ['-c', block(stdout, '# curl')], { key });
      expect(curl.code, curl.stderr).toBe(0);
      expect(JSON.parse(curl.stdout).choices[0].message.content).toBe(reply);

      // The Node snippet runs with the real openai package, resolved from the file's folder.
      const dir = tempHome();
      const openaiPackage = fileURLToPath(new URL('../../../node_modules/openai', import.meta.url));
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(realpathSync(openaiPackage), join(dir, 'node_modules', 'openai'));
      writeFileSync(join(dir, 'hello.mjs'), block(stdout, '// hello.mjs'));
      const node = await run(process.execPath, ['hello.mjs'], { cwd: dir, key });
      expect(node.stderr).toBe('');
      expect(node.stdout).toBe(`${reply}\n`);

      const python = block(stdout, '# hello.py');
      writeFileSync(join(dir, 'hello.py'), python);
      if (pythonHasOpenAI()) {
        const answer = await run('python3', ['hello.py'], { cwd: dir, key });
        expect(answer.stdout, answer.stderr).toBe(`${reply}\n`);
      } else {
        expect(python).toContain(`base_url="http://127.0.0.1:${port}/v1"`);
        expect(python).toContain('api_key=os.environ["VMX_API_KEY"]');
        expect(python).toContain('model="chat"');
        const compiled = await run('python3', ['-m', 'py_compile', 'hello.py'], { cwd: dir, key });
        expect(compiled.stderr).toBe('');
      }
      // Each request went through with the stored key: the first three were the connection tests.
      expect(authorization().slice(3)).toEqual([`Bearer ${GOOD_KEY}`, `Bearer ${GOOD_KEY}`]);

      // With the daemon running, another init points its snippets at it without --port.
      const more = await inProcess(home)(
        `init -w acme -e other --provider openai-compatible --base-url ${fake.url} --skip-test`,
      );
      expect(more.code, more.stderr).toBe(0);
      expect(more.stdout).toContain(`The gateway running on port ${port} serves this setup now`);
      expect(more.stdout).toContain(`curl -s http://127.0.0.1:${port}/v1/chat/completions`);
    } finally {
      await vmx('stop');
    }
  }

  it('offers to reuse an existing workspace or choose another name, and refuses taken names as typed', async () => {
    const home = tempHome();
    const setup = inProcess(home);
    const first = await setup(
      `init -w acme -e dev --provider openai-compatible --base-url ${fake.url} --model fake-model --api-key-env K`,
      { env: { K: GOOD_KEY } },
    );
    expect(first.code, first.stderr).toBe(0);

    const another = terminal(home, {
      Workspace: ['acme', 'beta'],
      "Workspace 'acme' already exists": [false],
      Environment: [''],
      Provider: ['openai-compatible'],
      'Connection name': [''],
      'Base URL of the server': [fake.url],
      Model: ['fake-model'],
      'API key for': [GOOD_KEY],
      'Resource name': [''],
      'API key name': [''],
    });
    expect(await another.run(['init']), another.stdout).toBe(0);
    expect(another.refused).toEqual([]);

    const reuse = terminal(home, {
      Workspace: ['acme'],
      "Workspace 'acme' already exists": [true],
      Environment: ['dev'],
      "Environment 'acme/dev' already exists": [true],
      Provider: ['openai-compatible'],
      'Connection name': ['openai-compatible', ''],
      'Base URL of the server': [fake.url],
      Model: ['fake-model'],
      'API key for': [GOOD_KEY],
      'Resource name': ['chat', 'Bad name', ''],
      'API key name': ['local', 'laptop'],
    });
    expect(await reuse.run(['init']), reuse.stdout).toBe(0);
    expect(reuse.refused).toEqual([
      ['Connection name', "connection 'openai-compatible' already exists in acme/dev: choose another name"],
      ['Resource name (what clients send as model)', "resource 'chat' already exists in acme/dev: choose another name"],
      ['Resource name (what clients send as model)', expect.stringContaining('must start with a letter or digit')],
      ['API key name', "API key 'local' already exists in acme/dev: choose another name"],
    ]);
    // A taken name is refused at its own prompt, before the connection's questions.
    expect(reuse.asked.indexOf('Base URL of the server')).toBeGreaterThan(reuse.asked.lastIndexOf('Connection name'));

    const vmx = inProcess(home);
    expect((await vmx('workspace list --json')).json().map((w: { name: string }) => w.name)).toEqual(['acme', 'beta']);
    // The defaults offered were free names: the empty answers took them.
    expect((await vmx('connection list -w acme -e dev --json')).json().map((c: { name: string }) => c.name)).toEqual([
      'openai-compatible',
      'openai-compatible-2',
    ]);
    expect((await vmx('resource list -w acme -e dev --json')).json().map((r: { name: string }) => r.name)).toEqual([
      'chat',
      'chat-2',
    ]);
    expect(
      (await vmx('key list -w acme -e dev --json'))
        .json()
        .map((k: { name: string }) => k.name)
        .sort(),
    ).toEqual(['laptop', 'local']);
  });

  it('without a TTY: a wrong key or a taken name fails before anything is saved', async () => {
    const home = tempHome();
    const vmx = inProcess(home);
    const flags = `init -w acme -e dev --provider openai-compatible --base-url ${fake.url} --model fake-model`;
    const before = fake.requests.length;

    const wrong = await vmx(`${flags} --api-key-env K`, { env: { K: WRONG_KEY } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`error: connection test failed: ${fake.url}: 401 Incorrect API key provided\n`);
    expect(wrong.stderr).toContain('--skip-test');
    expect((await vmx('workspace list --json')).json()).toEqual([]);

    const none = await vmx(flags);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('401');

    const good = await vmx(`${flags} --api-key-stdin`, { input: GOOD_KEY });
    expect(good.code, good.stderr).toBe(0);
    expect(fake.requests.slice(before).map((r) => r.headers.authorization)).toEqual([
      `Bearer ${WRONG_KEY}`,
      undefined,
      `Bearer ${GOOD_KEY}`,
    ]);

    // A taken name fails with 5 before the connection is tested again.
    const count = fake.requests.length;
    const taken = await vmx(`${flags} --api-key-stdin --connection other`, { input: GOOD_KEY });
    expect(taken.code).toBe(5);
    expect(taken.stderr).toContain("error: resource 'chat' already exists in acme/dev");
    expect(fake.requests.length).toBe(count);

    const untested = await vmx(`${flags} --connection later --resource later --key later --skip-test`);
    expect(untested.code, untested.stderr).toBe(0);
    expect(fake.requests.length).toBe(count);
  });
});
