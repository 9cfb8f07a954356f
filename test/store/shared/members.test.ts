import { beforeEach, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/errors.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { Workspace } from '../../../src/store/repos/workspaces.js';
import { describeEachBackend, expectError } from '../backends.js';

describeEachBackend('members', ({ open }) => {
  let store: StoreBackend;
  let acme: Workspace;
  beforeEach(async () => {
    store = await open();
    acme = await store.workspaces.create({ name: 'acme', user: 'alice' });
  });
  const add = (user: string, role: 'owner' | 'member' = 'member') =>
    store.members.add({ workspaceId: acme.id, workspaceName: 'acme', user, role, by: 'alice' });
  const roles = async () => (await store.members.list(acme.id)).map((m) => [m.user, m.role]);

  it('adds members and lists owners first, then by user in byte order', async () => {
    const bob = await add('bob');
    expect(bob).toMatchObject({ workspaceId: acme.id, user: 'bob', role: 'member', addedBy: 'alice' });
    expect(bob.addedAt).toMatch(/Z$/);
    await add('Zed');
    await add('carol', 'owner');
    expect(await roles()).toEqual([
      ['alice', 'owner'],
      ['carol', 'owner'],
      ['Zed', 'member'],
      ['bob', 'member'],
    ]);
    expect(await store.members.get(acme.id, 'bob')).toEqual(bob);
    expect(await store.members.get(acme.id, 'nobody')).toBeUndefined();
  });

  it('refuses a member twice', async () => {
    await add('bob');
    await expectError(add('bob', 'owner'), ConflictError, "'bob' is already a member of workspace 'acme'");
  });

  it('keeps the last owner', async () => {
    await expectError(
      store.members.setRole(acme.id, 'acme', 'alice', 'member'),
      ConflictError,
      "'alice' is the last owner of workspace 'acme'",
    );
    await expectError(
      store.members.remove(acme.id, 'acme', 'alice'),
      ConflictError,
      "'alice' is the last owner of workspace 'acme'",
    );
    const error = await store.members.remove(acme.id, 'acme', 'alice').catch((e: ConflictError) => e);
    expect((error as ConflictError).hint).toBe('make another member owner first');
    expect(await roles()).toEqual([['alice', 'owner']]);
  });

  it('changes roles and removes members once another owner exists', async () => {
    await add('bob', 'owner');
    expect((await store.members.setRole(acme.id, 'acme', 'alice', 'member')).role).toBe('member');
    expect(await roles()).toEqual([
      ['bob', 'owner'],
      ['alice', 'member'],
    ]);
    expect((await store.members.setRole(acme.id, 'acme', 'alice', 'owner')).role).toBe('owner');
    await store.members.remove(acme.id, 'acme', 'bob');
    expect(await roles()).toEqual([['alice', 'owner']]);
    // A member who is not an owner can always go.
    await add('carol');
    await store.members.remove(acme.id, 'acme', 'carol');
    expect(await roles()).toEqual([['alice', 'owner']]);
  });

  it('reports a user who is not a member', async () => {
    await expectError(
      store.members.remove(acme.id, 'acme', 'ghost'),
      NotFoundError,
      "'ghost' is not a member of workspace 'acme'",
    );
    await expectError(
      store.members.setRole(acme.id, 'acme', 'ghost', 'owner'),
      NotFoundError,
      "'ghost' is not a member of workspace 'acme'",
    );
  });

  it('never leaves a workspace without an owner when two owners step down at once', async () => {
    await add('bob', 'owner');
    const outcomes = await Promise.allSettled([
      store.members.setRole(acme.id, 'acme', 'alice', 'member'),
      store.members.remove(acme.id, 'acme', 'bob'),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await store.members.list(acme.id)).filter((m) => m.role === 'owner')).toHaveLength(1);
  });
});
