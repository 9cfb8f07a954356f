import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliDeps } from '../../../src/cli/context.js';
import { textWidth } from '../../../src/cli/io/text-width.js';
import { main } from '../../../src/cli/main.js';
import { openStore } from '../../../src/store/open.js';
import { auditRow, usageRow } from '../../helpers/history-rows.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';
import { useAcmeDev } from '../../helpers/cli-context.js';

let home: string;
let vmx: ReturnType<typeof cli>;

/** acme/dev with a connection, a resource, a key and 30 requests in its history. */
beforeAll(async () => {
  home = tempHome();
  vmx = cli(home);
  const env = await useAcmeDev(vmx);
  await vmx('connection add oa --provider openai --api-key-env OA_KEY --base-url http://127.0.0.1:9/v1', {
    env: { OA_KEY: 'sk-test' },
  });
  await vmx('resource add chat --model oa/gpt-4o-mini --limit 60r/m');
  await vmx('key create laptop-of-someone-with-a-long-name --resource chat --limit 10r/m --expires 30d');
  const store = openStore(join(home, 'vmx.db'));
  store.transaction(() => {
    for (let i = 0; i < 30; i++) {
      const fields = { requestId: `request-${i}-${'0'.repeat(30)}`, at: Date.now() - i * 1000, environmentId: env.id };
      store.audit.insert(auditRow({ ...fields, resource: 'chat', error: `upstream said no ${'x'.repeat(80)}` }));
      store.usage.insertMany([
        usageRow({ ...fields, inputTokens: 1234567, outputTokens: 7654321, costNano: 1_234_567 }),
      ]);
    }
  });
  store.close();
}, 60_000);

/** The CLI in this process with stdout a terminal of `columns` × `rows`. */
async function onTerminal(args: string, env: Record<string, string>, size = { columns: 80, rows: 1000 }) {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    stdout: { write: (text: string) => (stdout += text), isTTY: true, ...size },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([]),
    env: { PATH: process.env.PATH, VMX_HOME: home, VMX_USER: 'alice', VMX_CREDENTIAL_STORE: 'file', ...env },
    prompter: {} as CliDeps['prompter'],
    canPrompt: false,
  };
  const code = await main(args.split(' '), deps);
  return { code, stdout, stderr };
}

describe('--json with fields, and --jq', () => {
  it('keeps only the named fields, of an object and of each element of a list', async () => {
    expect((await vmx('key list --json name,status')).json()).toEqual([
      { name: 'laptop-of-someone-with-a-long-name', status: 'enabled' },
    ]);
    expect((await vmx('resource show chat --json name,limits')).json()).toEqual({ name: 'chat', limits: ['60r/m'] });
    // --json alone prints everything, as before.
    expect(Object.keys((await vmx('key list --json')).json()[0])).toEqual(expect.arrayContaining(['id', 'createdAt']));
  });

  it('fails with exit 2 on an unknown field, listing the available ones', async () => {
    const result = await vmx('key list --json name,nope');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.error().code).toBe('usage_error');
    expect(result.error().message).toMatch(/^unknown --json field 'nope'; available: id, .*name, .*status/);
  });

  it('takes a single word after --json as the argument the verb still lacks', async () => {
    const result = await vmx('env show --json dev');
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ name: 'dev' });
  });

  it('takes a command named after --json as the command, not as fields', async () => {
    const before = await vmx('--json workspace list');
    expect(before.code).toBe(0);
    expect(before.json()).toEqual([expect.objectContaining({ name: 'acme', role: 'owner' })]);
    const between = await vmx('key --json list');
    expect(between.code).toBe(0);
    expect(between.json()[0]).toMatchObject({ status: 'enabled' });
    // A field that is also a command's name (`vmx status`) after the verb is still a field.
    expect((await vmx('key list --json status')).json()).toEqual([{ status: 'enabled' }]);
  });

  it('filters with jq: strings raw, other values as JSON', async () => {
    expect(
      (await vmx(['audit', 'list', '--jq', '.[] | select(.requestId | startswith("request-1-")) | .status'])).stdout,
    ).toBe('200\n');
    expect((await vmx(['key', 'list', '--jq', '.[0].name'])).stdout).toBe('laptop-of-someone-with-a-long-name\n');
    expect((await vmx(['resource', 'show', 'chat', '--jq', '{name, limits}'])).stdout).toBe(
      '{"name":"chat","limits":["60r/m"]}\n',
    );
    expect((await vmx(['audit', 'list', '--jq', 'length'])).stdout).toBe('30\n');
  });

  it('reports a malformed expression as a usage error, a failing one as a runtime error', async () => {
    const malformed = await vmx(['key', 'list', '--jq', '.[']);
    expect(malformed.code).toBe(2);
    expect(malformed.error().message).toMatch(/^invalid --jq expression: syntax error/);
    const failing = await vmx(['key', 'list', '--jq', '.[0].name | keys']);
    expect(failing.code).toBe(1);
    expect(failing.error().message).toMatch(/^--jq: string .* has no keys/);
  });
});

describe('tables', () => {
  it.each([['key list'], ['audit list'], ['usage'], ['usage --by resource --by model --by key']])(
    '`vmx %s` fits 80 columns on a terminal, cut cells ending in …',
    async (args) => {
      const { code, stdout } = await onTerminal(args, { VMX_PAGER: 'cat' });
      expect(code).toBe(0);
      const lines = stdout.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(80);
      expect(stdout).not.toMatch(/[│┼─]/);
    },
  );

  it('prints tab-separated rows under a header when stdout is not a terminal', async () => {
    const lines = (await vmx('key list')).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('NAME\tKEY\tSTATUS\tRESOURCES\tLIMITS\tEXPIRES');
    expect(lines[1]!.split('\t').slice(0, 5)).toEqual([
      'laptop-of-someone-with-a-long-name',
      expect.stringMatching(/^vmx_.+\*+/),
      'enabled',
      'chat',
      '10r/m',
    ]);
  });

  it('pages output taller than the terminal through VMX_PAGER, unless --no-pager', async () => {
    const paged = join(home, 'paged.txt');
    const small = { columns: 80, rows: 10 };
    const viaPager = await onTerminal('audit list', { VMX_PAGER: `cat > '${paged}'`, PAGER: 'false' }, small);
    expect(viaPager.code).toBe(0);
    expect(viaPager.stdout).toBe('');
    expect(readFileSync(paged, 'utf8').split('\n')).toHaveLength(32);
    const direct = await onTerminal('audit list --no-pager', { VMX_PAGER: `cat > '${paged}.2'` }, small);
    expect(direct.stdout.split('\n')).toHaveLength(32);
    // Output that fits the terminal is not paged.
    expect((await onTerminal('key list', { VMX_PAGER: `cat > '${paged}.3'` }, small)).stdout).toMatch(/NAME +KEY/);
  });
});

describe('one-object views', () => {
  it('show times in the local zone with a relative form, and raw fields only in their human form', async () => {
    const lines = (await vmx('key show laptop-of-someone-with-a-long-name')).stdout.split('\n');
    expect(lines.find((l) => l.startsWith('expiresAt:'))).toMatch(
      /^expiresAt: +\d{4}-\d\d-\d\d \d\d:\d\d UTC\S* \(in 30 days\)$/,
    );
    expect(lines.find((l) => l.startsWith('createdAt:'))).toMatch(/\((just now|\d+ min ago)\)$/);
    expect(lines.find((l) => l.startsWith('resources:'))).toMatch(/^resources: +chat$/);
    expect(lines.find((l) => l.startsWith('status:'))).toMatch(/enabled$/);
    expect(lines.filter((l) => /^(enabled|capacity|resourceNames):/.test(l))).toEqual([]);

    const connection = (await vmx('connection show oa')).stdout.split('\n');
    expect(connection.filter((l) => l.startsWith('baseUrl:'))).toEqual([
      expect.stringMatching(/http:\/\/127\.0\.0\.1:9\/v1$/),
    ]);
    expect(connection.filter((l) => l.startsWith('config:'))).toEqual([]);
    // The JSON keeps every field as it was.
    expect((await vmx('key show laptop-of-someone-with-a-long-name --json')).json()).toMatchObject({
      enabled: true,
      capacity: expect.anything(),
    });
  });

  it('create and update say what they did first; --json output is only the entity', async () => {
    expect((await vmx('workspace create beta')).stdout.split('\n')[0]).toBe('✓ Created workspace beta');
    expect((await vmx('resource update chat --limit 30r/m')).stdout.split('\n')[0]).toBe('✓ Updated resource chat');
    expect((await vmx('workspace create gamma --json')).json()).toMatchObject({ name: 'gamma' });
  });
});

describe('messages people read', () => {
  it('name the flag and what it expects, never the validation library', async () => {
    const bad = await vmx('audit list --limit lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: --limit expects a number, got 'lots'\n");
    const small = await vmx('audit list --limit 0');
    expect(small.stderr).toBe('error: invalid --limit: must be at least 1\n');
    for (const result of [bad, small, await vmx('usage --by week'), await vmx('member add bob --role boss -w acme')])
      expect(result.stderr).not.toMatch(/Invalid input|expected \w+, received/);
  });

  it('announce the keychain fallback once per data dir, saying how to silence it', async () => {
    const fresh = tempHome();
    const run = cli(fresh);
    await run('workspace create acme');
    await run('env add dev -w acme');
    const add = (name: string) =>
      run(`connection add ${name} --provider openai --api-key-stdin -w acme -e dev`, {
        input: 'sk-x\n',
        env: { VMX_CREDENTIAL_STORE: 'auto' },
      });
    const first = await add('one');
    expect(first.stderr).toMatch(
      /^warning: no OS keychain answered .*shown once for this data dir \(VMX_CREDENTIAL_STORE=file/,
    );
    expect((await add('two')).stderr).toBe('');
    expect(statSync(join(fresh, 'notice-keychain')).mode & 0o777).toBe(0o600);
  });
});
