import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliDeps } from '../../../src/cli/context.js';
import type { Choice, Prompter } from '../../../src/cli/io/prompter.js';
import { main } from '../../../src/cli/main.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

/** acme (dev, prod), beta (dev, prod) and gamma (only), all alice's; the saved context acme/dev. */
async function threeWorkspaces() {
  const home = tempHome();
  const vmx = cli(home, 'alice');
  for (const [ws, envs] of [
    ['acme', ['dev', 'prod']],
    ['beta', ['dev', 'prod']],
    ['gamma', ['only']],
  ] as const) {
    await vmx(`workspace create ${ws}`);
    for (const env of envs) await vmx(`env add ${env} -w ${ws}`);
  }
  await vmx('use acme/dev');
  return { home, vmx };
}

/** main() in this process as on a terminal: each select answered by `pick` (given its message and choice names). */
async function onTerminal(home: string, args: string, pick: (message: string, names: string[]) => string) {
  let stdout = '';
  let stderr = '';
  const asked: Array<{ message: string; names: string[] }> = [];
  const refuse = async (message: string) => {
    throw new Error(`unexpected prompt: ${message}`);
  };
  const prompter: Prompter = {
    input: refuse,
    confirm: refuse,
    password: refuse,
    select: async <T>(message: string, choices: Choice<T>[]) => {
      const names = choices.map((c) => c.name);
      asked.push({ message, names });
      const name = pick(message, names);
      return choices.find((c) => c.name === name)!.value;
    },
  };
  const deps: CliDeps = {
    stdout: { write: (t: string) => (stdout += t), isTTY: true },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: process.stdin,
    env: { VMX_HOME: home, VMX_USER: 'alice', NO_COLOR: '1', VMX_CREDENTIAL_STORE: 'file' },
    prompter,
    canPrompt: true,
  };
  const code = await main(args.split(' '), deps);
  return { code, stdout, stderr, asked };
}

describe('current context: vmx use and whoami', () => {
  it('makes -w/-e optional once set, and whoami reports it', async () => {
    const vmx = cli(tempHome(), 'alice');
    await vmx('workspace create acme');
    await vmx('env add dev -w acme');

    const before = (await vmx('whoami --json')).json();
    expect(before).toMatchObject({ user: 'alice', workspace: null, environment: null });

    const used = await vmx('use acme/dev --json');
    expect(used.code).toBe(0);
    expect(used.json()).toMatchObject({ workspace: 'acme', environment: 'dev' });

    expect((await vmx('whoami --json')).json()).toMatchObject({ user: 'alice', workspace: 'acme', environment: 'dev' });
    const whoamiHuman = await vmx('whoami');
    expect(whoamiHuman.stdout).toMatch(/user:\s+alice/);
    expect(whoamiHuman.stdout).toMatch(/workspace:\s+acme/);

    // No -w: the context supplies the workspace and the environment.
    expect((await vmx('env add staging --json')).json()).toMatchObject({ name: 'staging' });
    expect((await vmx('env show --json')).json()).toMatchObject({ name: 'dev', workspace: 'acme' });
    expect((await vmx('member list --json')).json()).toHaveLength(1);

    // The context survives a rename: it stores ids.
    await vmx('workspace update acme --name acme2');
    expect((await vmx('whoami --json')).json()).toMatchObject({ workspace: 'acme2', environment: 'dev' });

    // An explicit -w wins over the context.
    await vmx('workspace create other');
    expect((await vmx('env list -w other --json')).json()).toEqual([]);
  });

  it('refuses a context the user may not use and one that does not exist', async () => {
    const vmx = cli(tempHome(), 'alice');
    await vmx('workspace create acme');
    expect((await vmx('use acme', { user: 'bob' })).code).toBe(4);
    expect((await vmx('use acme/nope')).code).toBe(3);
    expect((await vmx('use nope')).code).toBe(3);
    expect((await vmx('use acme/dev/x')).code).toBe(2);
  });

  it('clears the context when its workspace is deleted', async () => {
    const vmx = cli(tempHome(), 'alice');
    await vmx('workspace create acme');
    await vmx('use acme');
    await vmx('workspace delete acme --yes');
    expect((await vmx('whoami --json')).json()).toMatchObject({ workspace: null });
  });

  it('doctor reports the data dir, the schema version and how much history the database holds', async () => {
    const home = tempHome();
    const report = (await cli(home)('doctor --json')).json();
    expect(report).toMatchObject({
      home,
      homeMode: '0700',
      store: 'sqlite',
      database: join(home, 'vmx.db'),
      schemaOk: true,
      usageRows: 0,
      usageHourlyRows: 0,
      auditRows: 0,
    });
    expect(report.databaseBytes).toBeGreaterThan(0);
    expect(report.schemaVersion).toBe(report.schemaLatest);
    expect(report.schemaVersion).toBeGreaterThanOrEqual(1);
  });

  it('takes flags over VMX_WORKSPACE/VMX_ENV over the saved context, and whoami says which gave each part', async () => {
    const { vmx } = await threeWorkspaces();
    const whoami = async (args = '', env: Record<string, string> = {}) =>
      (await vmx(`whoami --json${args}`.split(' ').filter(Boolean), { env })).json();

    expect(await whoami()).toMatchObject({
      workspace: 'acme',
      workspaceFrom: 'saved',
      environment: 'dev',
      environmentFrom: 'saved',
    });
    expect(await whoami(' -w beta -e prod')).toMatchObject({
      workspace: 'beta',
      workspaceFrom: 'flag',
      environment: 'prod',
      environmentFrom: 'flag',
    });
    const fromEnv = { VMX_WORKSPACE: 'beta', VMX_ENV: 'prod' };
    expect(await whoami('', fromEnv)).toMatchObject({
      workspace: 'beta',
      workspaceFrom: 'env',
      environment: 'prod',
      environmentFrom: 'env',
    });
    // Commands use what whoami shows.
    expect((await vmx('env show --json', { env: fromEnv })).json()).toMatchObject({ name: 'prod', workspace: 'beta' });
    expect((await vmx('env show --json -e dev', { env: fromEnv })).json()).toMatchObject({
      name: 'dev',
      workspace: 'beta',
    });
    // A flag beats the variable; the saved environment goes with its own workspace only.
    expect(await whoami(' -w acme', fromEnv)).toMatchObject({ workspace: 'acme', environment: 'prod' });
    expect(await whoami(' -w acme', { VMX_WORKSPACE: 'beta' })).toMatchObject({
      workspace: 'acme',
      environment: 'dev',
      environmentFrom: 'saved',
    });
    expect(await whoami('', { VMX_WORKSPACE: 'beta' })).toMatchObject({ workspace: 'beta', environment: null });
    expect((await vmx('env show', { env: { VMX_WORKSPACE: 'beta' } })).code).toBe(2);

    const human = await vmx('whoami -w beta -e prod');
    expect(human.stdout).toMatch(/workspace:\s+beta \(-w\)\n/);
    expect(human.stdout).toMatch(/environment:\s+prod \(-e\)\n/);
    expect((await vmx('whoami', { env: fromEnv })).stdout).toMatch(/environment:\s+prod \(VMX_ENV\)\n/);
    expect((await vmx('whoami')).stdout).toMatch(/workspace:\s+acme \(saved by vmx use\)\n/);
    expect((await vmx('whoami -w nope -e prod')).stdout).toMatch(/workspace:\s+nope \(-w; not found\)\n/);
  });

  it('use <workspace> takes its only environment, and lists several without a TTY', async () => {
    const { vmx } = await threeWorkspaces();
    const gamma = await vmx('use gamma --json');
    expect(gamma.json()).toMatchObject({ workspace: 'gamma', environment: 'only' });

    const beta = await vmx('use beta');
    expect(beta.code).toBe(0);
    expect(beta.stderr).toBe(
      "warning: workspace 'beta' has 2 environments: dev, prod; pick one with `vmx use beta/<env>` or -e <env>\n",
    );
    expect((await vmx('whoami --json')).json()).toMatchObject({ workspace: 'beta', environment: null });
    expect((await vmx('use')).code).toBe(2);
  });

  it('use offers a list on a terminal: every workspace/env, or the environments of the workspace given', async () => {
    const { home, vmx } = await threeWorkspaces();
    const all = await onTerminal(home, 'use', () => 'beta/prod');
    expect(all.code).toBe(0);
    expect(all.asked).toEqual([
      { message: 'Context', names: ['acme/dev', 'acme/prod', 'beta/dev', 'beta/prod', 'gamma/only'] },
    ]);
    expect((await vmx('whoami --json')).json()).toMatchObject({ workspace: 'beta', environment: 'prod' });

    const one = await onTerminal(home, 'use acme', () => 'prod');
    expect(one.code).toBe(0);
    expect(one.asked).toEqual([{ message: 'Environment of acme', names: ['dev', 'prod'] }]);
    expect((await vmx('whoami --json')).json()).toMatchObject({ workspace: 'acme', environment: 'prod' });
  });
});
