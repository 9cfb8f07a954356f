import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

const SECRET = 'sk-test-9f8e7d6c5b4a3210-vmx-secret';

async function setup() {
  const home = tempHome();
  const vmx = cli(home);
  await vmx('workspace create acme');
  await vmx('env add dev -w acme');
  await vmx('env add prod -w acme');
  await vmx('use acme/dev');
  return { home, vmx };
}

describe('vmx connection', () => {
  it('keeps the secret out of the database (incl. WAL) and out of every output', async () => {
    const { home, vmx } = await setup();
    // A reader holding a read transaction keeps the WAL file around, so its bytes can be checked too.
    const reader = new Database(join(home, 'vmx.db'));
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM workspaces').get();
    // No keychain here (the in-process CLI's keyring answers like a machine without a session bus):
    // 'auto' finds none and announces the file.
    const added = await vmx('connection add oa --provider openai --api-key-stdin --limit 100r/m --json', {
      input: `${SECRET}\n`,
      env: { VMX_CREDENTIAL_STORE: 'auto' },
    });
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({
      name: 'oa',
      provider: 'openai',
      limits: ['100r/m'],
      secret: { value: '********', source: 'file' },
    });
    expect(JSON.parse(added.stderr).warning).toContain('no OS keychain answered');

    const outputs = [
      added,
      await vmx('connection show oa --json'),
      await vmx('connection show oa'),
      await vmx('connection list --json'),
      await vmx('doctor --json'),
    ];
    for (const out of outputs) expect(out.stdout + out.stderr).not.toContain(SECRET);
    for (const file of ['vmx.db', 'vmx.db-wal']) {
      const path = join(home, file);
      if (existsSync(path)) expect(readFileSync(path).includes(Buffer.from(SECRET))).toBe(false);
    }
    expect(statSync(join(home, 'vmx.db-wal')).size).toBeGreaterThan(0);
    reader.exec('COMMIT');
    reader.close();

    // Announced file fallback: 0600 in a 0700 dir, and doctor names it.
    const secrets = join(home, 'secrets.json');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(readFileSync(secrets, 'utf8')).toContain(SECRET);
    expect((await vmx('doctor --json')).json()).toMatchObject({ credentialStore: 'file' });
  });

  it('replaces the secret on update only when a new one is given', async () => {
    const { home, vmx } = await setup();
    await vmx('connection add oa --provider openai --api-key-env OA_KEY', { env: { OA_KEY: SECRET } });
    const conn = (await vmx('connection update oa --limit 5r/m --base-url https://proxy.local/v1/ --json')).json();
    expect(conn).toMatchObject({ limits: ['5r/m'], config: { baseUrl: 'https://proxy.local/v1' } });
    expect(readFileSync(join(home, 'secrets.json'), 'utf8')).toContain(SECRET);
    await vmx('connection update oa --api-key-stdin', { input: 'sk-rotated' });
    const stored = readFileSync(join(home, 'secrets.json'), 'utf8');
    expect(stored).toContain('sk-rotated');
    expect(stored).not.toContain(SECRET);
    expect((await vmx('connection update oa --limit none --json')).json().limits).toEqual([]);
  });

  it('reports env overrides without storing them', async () => {
    const { home, vmx } = await setup();
    const added = await vmx('connection add ci-oa --provider openai --json', { env: { VMX_CI_OA_API_KEY: SECRET } });
    expect(added.code).toBe(0);
    const shown = (await vmx('connection show ci-oa --json', { env: { VMX_CI_OA_API_KEY: SECRET } })).json();
    expect(shown.secret).toMatchObject({ value: '********', source: 'env', envOverrides: ['VMX_CI_OA_API_KEY'] });
    expect(
      existsSync(join(home, 'secrets.json')) && readFileSync(join(home, 'secrets.json'), 'utf8').includes(SECRET),
    ).toBe(false);
  });

  it.each([
    ['unknown provider', 'connection add x --provider nope', '--provider'],
    ['bedrock without region', 'connection add x --provider aws-bedrock', '--region'],
    ['openai-compatible without base URL', 'connection add x --provider openai-compatible', '--base-url'],
    [
      'malformed limit',
      'connection add x --provider openai-compatible --base-url http://127.0.0.1:1/v1 --limit 10/m',
      '--limit',
    ],
    ['bad base URL', 'connection add x --provider openai-compatible --base-url ftp://x', '--base-url'],
    ['region on openai', 'connection add x --provider openai --region us-east-1 --api-key-env PATH', '--region'],
    ['missing provider without a TTY', 'connection add x', '--provider'],
    ['missing secret without a TTY', 'connection add x --provider openai', '--api-key-stdin'],
    ['bad header', 'connection add x --provider openai-compatible --base-url http://h/v1 --header nocolon', '--header'],
    [
      'bedrock key id without secret',
      'connection add x --provider aws-bedrock --region us-east-1 --aws-access-key-id AKID',
      '--aws-access-key-id',
    ],
  ])('%s → exit 2 naming %s', async (_case, args, flag) => {
    const { vmx } = await setup();
    const out = await vmx(args);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(flag);
    expect((await vmx('connection list --json')).json()).toEqual([]);
  });

  it('accepts bedrock with region, profile or stored keys, and a keyless local server', async () => {
    const { home, vmx } = await setup();
    const chain = (await vmx('connection add b1 --provider aws-bedrock --region us-east-1 --json')).json();
    expect(chain).toMatchObject({ config: { region: 'us-east-1' } });
    expect(chain.secret).toBeUndefined();
    expect(
      (
        await vmx(
          'connection add b2 --provider aws-bedrock --region eu-west-1 --profile work --endpoint http://127.0.0.1:9/ --json',
        )
      ).json(),
    ).toMatchObject({
      config: { region: 'eu-west-1', profile: 'work', baseUrl: 'http://127.0.0.1:9' },
    });
    const keys = await vmx(
      'connection add b3 --provider aws-bedrock --region us-east-1 --aws-access-key-id AKIDEXAMPLE --api-key-stdin --json',
      { input: 'wJalrXUtnFEMI' },
    );
    expect(keys.json().secret).toMatchObject({ value: '********' });
    expect(readFileSync(join(home, 'secrets.json'), 'utf8')).toContain('wJalrXUtnFEMI');
    const local = await vmx([
      'connection',
      'add',
      'ollama',
      '--provider',
      'openai-compatible',
      '--base-url',
      'http://127.0.0.1:11434/v1',
      '--header',
      'X-Team: ai',
      '--json',
    ]);
    // Header values are secrets: shown masked (test/cli/connection-secrets.test.ts has the details).
    expect(local.json()).toMatchObject({
      config: { baseUrl: 'http://127.0.0.1:11434/v1', headers: { 'X-Team': '********' } },
    });
    expect((await vmx('connection add ollama --provider openai-compatible --base-url http://h/v1')).code).toBe(5);
  });

  it('removes the keychain entries of a connection, an environment and a workspace', async () => {
    const { home, vmx } = await setup();
    const secrets = () => Object.keys(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')));
    const a = (await vmx('connection add a --provider openai --api-key-env K --json', { env: { K: 'sk-a' } })).json();
    const b = (
      await vmx('connection add b --provider openai --api-key-env K -e prod --json', { env: { K: 'sk-b' } })
    ).json();
    const c = (await vmx('connection add c --provider openai --api-key-env K --json', { env: { K: 'sk-c' } })).json();
    expect(secrets().sort()).toEqual([a.id, b.id, c.id].sort());
    expect((await vmx('connection remove a --yes')).code).toBe(0);
    expect(secrets().sort()).toEqual([b.id, c.id].sort());
    await vmx('env remove prod --yes');
    expect(secrets()).toEqual([c.id]);
    await vmx('workspace delete acme --yes');
    expect(secrets()).toEqual([]);
  });
});
