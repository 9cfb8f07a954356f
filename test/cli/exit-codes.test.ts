import { beforeAll, describe, expect, it } from 'vitest';
import { cli as inProcess } from '../helpers/run-cli-in-process.js';
import { cli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

/** Exit codes as a real `bin/vmx.js` process reports them; the setup and the store checks run in this process. */
describe('exit codes and error output', () => {
  const home = tempHome();
  const vmx = cli(home, 'alice');
  const local = inProcess(home, 'alice');
  beforeAll(async () => {
    expect((await local('workspace create acme')).code).toBe(0);
    expect((await local('env add dev -w acme')).code).toBe(0);
  });

  it.each([
    ['duplicate workspace', 'workspace create acme', 5, 'conflict', "workspace 'acme' already exists"],
    [
      'duplicate environment',
      'env add dev -w acme',
      5,
      'conflict',
      "environment 'dev' already exists in workspace 'acme'",
    ],
    ['unknown workspace', 'env list -w nope', 3, 'not_found', "workspace 'nope' not found"],
    [
      'unknown environment',
      'env show nope -w acme',
      3,
      'not_found',
      "environment 'nope' not found in workspace 'acme'",
    ],
    ['unknown flag', 'workspace list --bogus', 2, 'usage_error', "unknown option '--bogus'"],
    ['unknown command', 'workspace frobnicate', 2, 'usage_error', "unknown command 'frobnicate'"],
    ['bad role value', 'member add bob --role boss -w acme', 2, 'usage_error', 'invalid --role'],
    ['bad name', 'workspace create a/b', 2, 'usage_error', 'invalid <name>'],
    ['missing name without a TTY', 'workspace create', 2, 'usage_error', 'missing required argument <name>'],
    ['missing env name without a TTY', 'env add -w acme', 2, 'usage_error', 'missing required argument <name>'],
    ['delete without --yes', 'workspace delete acme', 2, 'usage_error', 'pass --yes'],
    ['remove env without --yes', 'env remove dev -w acme', 2, 'usage_error', 'pass --yes'],
    ['no workspace in context', 'env list', 2, 'usage_error', '-w/--workspace'],
    ['nothing to update', 'workspace update acme', 2, 'usage_error', 'nothing to update'],
  ])('%s', async (_case, args, code, errorCode, message) => {
    const human = await vmx(args);
    expect(human.code).toBe(code);
    expect(human.stdout).toBe('');
    const lines = human.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(message);

    const json = await vmx(`${args} --json`);
    expect(json.code).toBe(code);
    expect(json.stdout).toBe('');
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: errorCode, message: expect.stringContaining(message) } });
  });

  it('leaves the store untouched after refused input', async () => {
    expect((await local('workspace list --json')).json().map((w: any) => w.name)).toEqual(['acme']);
    expect((await local('env list -w acme --json')).json().map((e: any) => e.name)).toEqual(['dev']);
  });

  it('prints help with examples and exits 0', async () => {
    const help = await vmx('env add --help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('vmx env add dev -w acme');
    const version = await vmx('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
