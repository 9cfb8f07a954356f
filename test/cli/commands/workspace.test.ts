import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

describe('workspaces, members and roles through the CLI', () => {
  it('creates a workspace with an id and makes the creator its owner', async () => {
    const vmx = cli(tempHome(), 'alice');
    const created = await vmx('workspace create acme --json');
    expect(created.code).toBe(0);
    const workspace = created.json();
    expect(workspace).toMatchObject({ name: 'acme', role: 'owner', createdBy: 'alice' });
    expect(workspace.id).toMatch(/^[0-9a-f-]{36}$/);

    const members = (await vmx('member list -w acme --json')).json();
    expect(members).toEqual([expect.objectContaining({ user: 'alice', role: 'owner', workspaceId: workspace.id })]);
  });

  it('hides a workspace from non-members and refuses them with exit 4', async () => {
    const vmx = cli(tempHome(), 'alice');
    await vmx('workspace create acme');
    const bobList = await vmx('workspace list --json', { user: 'bob' });
    expect(bobList.json()).toEqual([]);
    const viaAs = await vmx('workspace list --as bob --json', { user: 'alice' });
    expect(viaAs.json()).toEqual([]);

    const denied = await vmx('env add dev -w acme --as bob');
    expect(denied.code).toBe(4);
    expect(denied.stderr).toBe("error: bob is not a member of workspace 'acme'\n");
    expect((await vmx('env list -w acme --json')).json()).toEqual([]);
  });

  it('lets a member add environments but not delete the workspace; the owner delete cascades', async () => {
    const vmx = cli(tempHome(), 'alice');
    const acme = (await vmx('workspace create acme --json')).json();
    expect((await vmx('member add bob --role member -w acme')).code).toBe(0);

    const added = await vmx('env add dev -w acme --json', { user: 'bob' });
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({ name: 'dev', workspaceId: acme.id, createdBy: 'bob' });

    const refused = await vmx('workspace delete acme --as bob --yes');
    expect(refused.code).toBe(4);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/owner/);
    expect((await vmx('member add carol -w acme', { user: 'bob' })).code).toBe(4);

    const deleted = await vmx('workspace delete acme --yes --json');
    expect(deleted.code).toBe(0);
    expect(deleted.json()).toEqual({ id: acme.id, name: 'acme', deleted: true });
    expect((await vmx('workspace list --json')).json()).toEqual([]);
    // The environments went with it: recreating the workspace starts empty.
    await vmx('workspace create acme');
    expect((await vmx('env list -w acme --json')).json()).toEqual([]);
  });

  it('shows, renames and describes a workspace by name or id', async () => {
    const vmx = cli(tempHome());
    const acme = (await vmx('workspace create acme --description first --json')).json();
    const byId = (await vmx(['workspace', 'show', acme.id, '--json'])).json();
    expect(byId).toMatchObject({ id: acme.id, name: 'acme', description: 'first', environments: [] });

    const renamed = (await vmx('workspace update acme --name acme-corp --json')).json();
    expect(renamed).toMatchObject({ id: acme.id, name: 'acme-corp', description: 'first' });
    const cleared = (await vmx(['workspace', 'update', 'acme-corp', '--description', '', '--json'])).json();
    expect(cleared.description).toBeNull();

    const human = await vmx('workspace list');
    expect(human.stdout).toContain('acme-corp');
    expect(human.stdout).toContain('owner');
  });

  it('manages roles and keeps at least one owner', async () => {
    const vmx = cli(tempHome(), 'alice');
    await vmx('workspace create acme');
    await vmx('member add bob -w acme');
    expect((await vmx('member set-role bob owner -w acme --json')).json()).toMatchObject({
      user: 'bob',
      role: 'owner',
    });
    // bob, now an owner, may manage members and demote alice
    expect((await vmx('member set-role alice member -w acme', { user: 'bob' })).code).toBe(0);
    const lastOwner = await vmx('member set-role bob member -w acme', { user: 'bob' });
    expect(lastOwner.code).toBe(5);
    expect(lastOwner.stderr).toMatch(/last owner/);
    expect((await vmx('member remove bob -w acme --yes', { user: 'bob' })).code).toBe(5);

    const duplicate = await vmx('member add alice -w acme --json', { user: 'bob' });
    expect(duplicate.code).toBe(5);
    expect(duplicate.error().code).toBe('conflict');

    expect((await vmx('member remove alice -w acme --yes', { user: 'bob' })).code).toBe(0);
    expect((await vmx('member list -w acme --json', { user: 'bob' })).json().map((m: any) => m.user)).toEqual(['bob']);
    expect((await vmx('workspace list --json', { user: 'alice' })).json()).toEqual([]);
    expect((await vmx('member remove nobody -w acme --yes', { user: 'bob' })).code).toBe(3);
  });
});
