import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

/** Retention settings prune every workspace's history: only an owner of some workspace may change them. */
describe('vmx config set/unset: who may', () => {
  it('refuses a user who owns no workspace with exit 4 and one line why, changing nothing', async () => {
    const home = tempHome();
    const alice = cli(home, 'alice');
    const bob = cli(home, 'bob');
    expect((await alice('workspace create acme')).code).toBe(0);
    expect((await alice('config set retention.audit 10d')).code).toBe(0);

    // Not a member of anything.
    const stranger = await bob('config set retention.audit 8d');
    expect(stranger.code).toBe(4);
    expect(stranger.stderr).toBe(
      "error: bob owns no workspace; store-wide settings prune every workspace's history, so changing them requires the owner role in at least one workspace\n",
    );
    expect((await bob('config unset retention.audit --json')).error()).toMatchObject({ code: 'permission_denied' });

    // A member, but not an owner.
    expect((await alice('member add bob --role member -w acme')).code).toBe(0);
    expect((await bob('config set retention.audit 8d')).code).toBe(4);
    expect((await bob('config unset retention.audit')).code).toBe(4);
    expect((await bob('config get retention.audit')).stdout).toBe('10d\n');

    // Owner of a workspace of their own: allowed.
    expect((await bob('workspace create bobs')).code).toBe(0);
    expect((await bob('config set retention.audit 8d')).code).toBe(0);
    expect((await bob('config unset retention.audit')).code).toBe(0);
    expect((await alice('config get retention.audit')).stdout).toBe('30d\n');
  });

  it('lets anyone change settings while the store has no workspace yet', async () => {
    const bob = cli(tempHome(), 'bob');
    expect((await bob('config set retention.usage-raw 7d')).code).toBe(0);
    expect((await bob('config unset retention.usage-raw')).code).toBe(0);
  });

  it('says who may in --help', async () => {
    const vmx = cli(tempHome());
    for (const verb of ['set', 'unset']) {
      const help = await vmx(`config ${verb} --help`);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Needs the owner role in at least one workspace');
    }
  });
});
