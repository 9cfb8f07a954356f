import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/run-cli-in-process.js';
import { runCli } from '../../helpers/run-cli.js';
import { freshDatabase, POSTGRES_SKIP_REASON, postgresUrl } from '../../helpers/postgres.js';
import { tempHome } from '../../helpers/temp-home.js';

type Cli = ReturnType<typeof cli>;
const secretEnv = { VMX_OA_API_KEY: 'sk-from-env-1' };

const offRouting = {
  enabled: false,
  conditions: [
    {
      type: 'group',
      operator: 'OR',
      conditions: [
        {
          type: 'condition',
          expression: 'tokens.input',
          comparator: 'GREATER_THAN',
          value: { type: 'number', expression: '10' },
        },
        {
          type: 'group',
          operator: 'AND',
          conditions: [{ type: 'condition', expression: 'request.toolsCount', comparator: 'EXISTS' }],
        },
      ],
      action: 'CALL_MODEL',
      then: { connection: 'oa', model: 'gpt-4o' },
    },
  ],
};

/**
 * The export with an update of an existing resource, then a new workspace whose two pools share one
 * resource: the store refuses the second pool only after everything before it was written.
 */
function lateFailure(exported: string): string {
  return (
    exported.replace('- 60r/m', '- 5r/m') +
    [
      '  - name: beta',
      '    environments:',
      '      - name: prod',
      '        connections:',
      '          - name: local',
      '            provider: openai-compatible',
      '            config: { baseUrl: "http://127.0.0.1:9/v1" }',
      '        resources:',
      '          - { name: r1, model: local/m }',
      '        pools:',
      '          - { name: p1, rank: 1, min: 0, max: 100, resources: [r1] }',
      '          - { name: p2, rank: 2, min: 0, max: 100, resources: [r1] }',
      '',
    ].join('\n')
  );
}

/** A workspace with something of every kind: members, two connections, routing, a key, a pool, a setting. */
async function populate(vmx: Cli, extra: { env?: Record<string, string> } = {}): Promise<void> {
  const run = async (args: string | string[], input?: string) => {
    const result = await vmx(args, { input, env: extra.env });
    expect([result.code, result.stderr]).toEqual([0, '']);
  };
  await run('workspace create acme --description Acme');
  await run('env add dev -w acme');
  await run('use acme/dev');
  await run('connection add oa --provider openai --api-key-stdin --limit 100r/m', 'sk-original\n');
  await run('connection add local --provider openai-compatible --base-url http://127.0.0.1:9/v1');
  await run([
    'resource',
    'add',
    'chat',
    '--model',
    'oa/gpt-4o-mini',
    '--fallback',
    'local/llama',
    '--limit',
    '60r/m',
    '--route',
    'tokens.input < 100 -> local/llama',
    '--route',
    'request.toolsCount > 0 -> oa/gpt-4o @ 50%',
  ]);
  await run('resource add batch --model local/llama --description nightly');
  // Routing the one-line form cannot say (switched off, a nested OR): exported in the JSON form.
  await run('resource add guarded --model oa/gpt-4o-mini --routing-file -', JSON.stringify(offRouting));
  await run('key create laptop --resource chat --limit 10r/m');
  await run('key create ci --expires 2030-01-31');
  await run('key disable ci');
  await run('pool set high --rank 1 --min 20 --max 100 --resource chat');
  await run('config set retention.audit 10d');
  await run('member add bob');
}

describe('vmx export / vmx apply', () => {
  let source: string;
  let exported: string;
  let vmxA: Cli;

  beforeAll(async () => {
    source = tempHome();
    vmxA = cli(source);
    await populate(vmxA);
    const file = join(source, 'a.yaml');
    const result = await vmxA(['export', '-o', file]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    exported = readFileSync(file, 'utf8');
  });

  it('writes names, limits in --limit form and rules in --route form, never a secret or an id', async () => {
    expect(exported).toContain('apiKeyEnv: VMX_OA_API_KEY');
    expect(exported).toContain('- tokens.input < 100 -> local/llama');
    expect(exported).toContain('- request.toolsCount > 0 -> oa/gpt-4o @ 50%');
    expect(exported).toContain('retention.audit: 10d');
    expect(exported).toMatch(/- name: guarded\n {12}model: oa\/gpt-4o-mini\n {12}routing:\n/);
    expect(exported).toContain('expiresAt: 2030-01-31T00:00:00.000Z');
    expect(exported).toMatch(/- name: ci\n {12}enabled: false\n/);
    expect(exported).not.toContain('sk-original');
    expect(exported).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(exported).not.toContain('vmx_');
    expect((await vmxA('export')).stdout).toBe(exported);
  });

  it('an export applied on a fresh home exports the same file, and applying it again changes nothing', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const file = join(home, 'a.yaml');
    writeFileSync(file, exported);

    const applied = await vmx(['apply', '-f', file, '--json'], { env: secretEnv });
    expect([applied.code, applied.stderr]).toEqual([0, '']);
    const result = applied.json();
    expect(result.applied).toBe(true);
    expect(result.keys).toEqual([
      { label: 'acme/dev/ci', key: expect.stringMatching(/^vmx_/) },
      { label: 'acme/dev/laptop', key: expect.stringMatching(/^vmx_/) },
    ]);

    expect((await vmx('export -w acme')).stdout).toBe(exported);
    // The secret came from the variable the file names, into the credential store.
    const shown = (await vmx('connection show oa -w acme -e dev --json')).json();
    expect(shown.secret.source).not.toBe('none');

    const again = await vmx(['apply', '-f', file], { env: secretEnv });
    expect([again.code, again.stdout]).toEqual([0, 'No changes: the store already matches the file.\n']);

    // A new value in the variable replaces the stored secret: shown, never printed.
    const rotated = await vmx(['apply', '-f', file], { env: { VMX_OA_API_KEY: 'sk-from-env-2' } });
    expect(rotated.stdout).toContain('~ connection acme/dev/oa\n    secret: ******** → from $VMX_OA_API_KEY\n');
    expect(rotated.stdout).not.toContain('sk-from-env');
    expect((await vmx(['apply', '-f', file, '--json'])).json()).toEqual({ applied: false, changes: [], keys: [] });
  });

  it('--plan prints field-level changes and changes nothing', async () => {
    const home = tempHome();
    const vmx = cli(home);
    await populate(vmx);
    const file = join(home, 'edited.yaml');
    writeFileSync(file, exported.replace('- 60r/m', '- 30r/m').replace('description: nightly', 'description: hourly'));
    const plan = await vmx(['apply', '-f', file, '--plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('~ resource acme/dev/chat\n    limits: ["60r/m"] → ["30r/m"]\n');
    expect(plan.stdout).toContain('~ resource acme/dev/batch\n    description: nightly → hourly\n');
    expect(plan.stdout).toContain('Plan: 0 to create, 2 to update, 0 to delete.');
    expect((await vmx('resource show chat --json')).json().limits).toEqual(['60r/m']);

    const applied = await vmx(['apply', '-f', file]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied: 0 created, 2 updated, 0 deleted.');
    expect((await vmx('resource show chat --json')).json().limits).toEqual(['30r/m']);
    expect((await vmx('resource show batch --json')).json().description).toBe('hourly');
  });

  it('a malformed file or an invalid value exits 2 naming the line and column', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const file = join(home, 'bad.yaml');
    writeFileSync(file, 'workspaces:\n  - name: acme\n    members: [\n');
    const syntax = await vmx(['apply', '-f', file]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(new RegExp(`^error: ${file}:\\d+:\\d+: `));

    const lines = exported.split('\n');
    const line = lines.findIndex((l) => l.includes('- 60r/m')) + 1;
    writeFileSync(file, exported.replace('- 60r/m', '- lots'));
    const invalid = await vmx(['apply', '-f', file, '--json'], { env: secretEnv });
    expect(invalid.code).toBe(2);
    expect(invalid.error().message).toMatch(new RegExp(`^${file}:${line}:17: invalid --limit 'lots'`));

    writeFileSync(file, exported.replace('rank: 1', 'rank: first'));
    const type = await vmx(['apply', '-f', file]);
    expect(type.code).toBe(2);
    const rankLine = lines.findIndex((l) => l.includes('rank: 1')) + 1;
    expect(type.stderr).toContain(
      `${file}:${rankLine}:19: expects a number (workspaces[0].environments[0].pools[0].rank)`,
    );

    writeFileSync(file, exported.replace('enforceCapacity', 'x').replace('    pools:', '    poolz:'));
    const unknown = await vmx(['apply', '-f', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown field 'poolz'");
    expect((await vmx('workspace list --json')).json()).toEqual([]);
  });

  it('nothing is half-applied when a change fails late', async () => {
    const home = tempHome();
    const vmx = cli(home);
    await populate(vmx);
    const file = join(home, 'late.yaml');
    writeFileSync(file, lateFailure(exported));
    const failed = await vmx(['apply', '-f', file]);
    expect(failed.code).toBe(5);
    expect(failed.stderr).toContain("resource 'r1' is already in pool 'p1'");
    expect((await vmx('workspace list --json')).json().map((w: { name: string }) => w.name)).toEqual(['acme']);
    expect((await vmx('resource show chat --json')).json().limits).toEqual(['60r/m']);
  });

  it('only what the file names changes; --prune deletes what its lists leave out', async () => {
    const home = tempHome();
    const vmx = cli(home);
    await populate(vmx);
    expect((await vmx('resource add extra --model local/other')).code).toBe(0);
    const file = join(home, 'a.yaml');
    writeFileSync(file, exported);
    // A CLI edit of something the file does not name is left alone.
    expect((await vmx(['apply', '-f', file])).stdout).toBe('No changes: the store already matches the file.\n');
    expect((await vmx('resource show extra --json')).code).toBe(0);

    const plan = await vmx(['apply', '-f', file, '--prune', '--plan']);
    expect(plan.stdout).toContain('- resource acme/dev/extra');
    expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 1 to delete.');
    const pruned = await vmx(['apply', '-f', file, '--prune']);
    expect(pruned.code).toBe(0);
    expect((await vmx('resource show extra')).code).toBe(3);
    expect((await vmx('export')).stdout).toBe(exported);
  });

  it('refuses what it cannot do, at its place in the file: a key changed after it was made, a secret it cannot read', async () => {
    const home = tempHome();
    const vmx = cli(home);
    await populate(vmx);
    const file = join(home, 'key.yaml');
    writeFileSync(file, exported.replace('- 10r/m', '- 20r/m'));
    const line = exported.split('\n').findIndex((l) => l.includes('- 10r/m')) + 1;
    const key = await vmx(['apply', '-f', file]);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain(`${file}:${line}:15: key 'laptop' cannot change limits`);

    // On a fresh home the connection is new and its provider needs a key: the variable must be set.
    const fresh = cli(tempHome());
    const missing = await fresh(['apply', '-f', join(source, 'a.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("connection 'oa' needs its API key: $VMX_OA_API_KEY is not set");
    expect((await fresh('workspace list --json')).json()).toEqual([]);
  });

  it('runs as a process: bin/vmx.js apply --plan, then apply', async () => {
    const home = tempHome();
    const file = join(source, 'a.yaml');
    const plan = await runCli(['apply', '-f', file, '--plan'], { home, env: secretEnv });
    expect([plan.code, plan.stderr]).toEqual([0, '']);
    expect(plan.stdout).toContain('+ workspace acme\n');
    expect((await runCli(['workspace', 'list', '--json'], { home })).json()).toEqual([]);
    expect((await runCli(['apply', '-f', file], { home, env: secretEnv })).code).toBe(0);
    expect((await runCli(['export', '-w', 'acme'], { home })).stdout).toBe(exported);
  });

  it('applies with the acting user’s role: a member cannot change members', async () => {
    const file = join(source, 'members.yaml');
    writeFileSync(file, exported.replace('role: member', 'role: owner'));
    const refused = await vmxA(['apply', '-f', file], { user: 'bob' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('managing members requires the owner role');
    const stranger = await vmxA(['apply', '-f', file], { user: 'mallory' });
    expect(stranger.code).toBe(4);
  });
});

const url = postgresUrl();
describe.skipIf(!url)(
  `export / apply on a shared PostgreSQL store${url ? '' : `: skipped, ${POSTGRES_SKIP_REASON}`}`,
  () => {
    it('an export of the embedded store applied to a shared one exports the same file', async () => {
      const database = await freshDatabase();
      try {
        const local = cli(tempHome());
        await populate(local);
        const exported = (await local('export')).stdout;
        const home = tempHome();
        const file = join(home, 'a.yaml');
        writeFileSync(file, exported);
        const shared = cli(home);
        const env = { VMX_DATABASE_URL: database.url, VMX_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
        const applied = await shared(['apply', '-f', file], { env: { ...env, ...secretEnv } });
        expect([applied.code, applied.stderr]).toEqual([0, '']);
        expect((await shared('export -w acme', { env })).stdout).toBe(exported);
        expect((await shared(['apply', '-f', file], { env })).stdout).toBe(
          'No changes: the store already matches the file.\n',
        );
      } finally {
        await database.drop();
      }
    });
  },
);
