import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

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
});
