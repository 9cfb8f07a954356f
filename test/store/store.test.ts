import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, RuntimeError } from '../../src/errors.js';
import { latestSchemaVersion } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import { tempHome } from '../helpers/temp-home.js';

const fresh = () => openStore(join(tempHome(), 'vmx.db'));

describe('openStore', () => {
  it('sets WAL, foreign keys and a busy timeout, and migrates to the latest version', () => {
    const store = fresh();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(5000);
    expect(store.schemaVersion()).toBe(latestSchemaVersion);
    store.close();
  });

  it('makes a new file with 16 KiB pages, and keeps the page size of an existing one', () => {
    const store = fresh();
    expect(store.db.pragma('page_size', { simple: true })).toBe(16384);
    store.close();
    const path = join(tempHome(), 'vmx.db');
    const old = new Database(path);
    old.pragma('page_size = 4096');
    old.exec('CREATE TABLE before_vmx (x)');
    old.close();
    const reopened = openStore(path);
    expect(reopened.db.pragma('page_size', { simple: true })).toBe(4096);
    reopened.close();
  });

  it('reopening an up-to-date store changes nothing', () => {
    const path = join(tempHome(), 'vmx.db');
    const first = openStore(path);
    first.workspaces.create({ name: 'acme', user: 'alice' });
    first.close();
    const second = openStore(path);
    expect(second.schemaVersion()).toBe(latestSchemaVersion);
    expect(second.workspaces.listForUser('alice').map((w) => w.name)).toEqual(['acme']);
    second.close();
  });

  it('refuses a database from a newer vmx', () => {
    const path = join(tempHome(), 'vmx.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${latestSchemaVersion + 1}`);
    raw.close();
    expect(() => openStore(path)).toThrow(RuntimeError);
  });
});

describe('repositories', () => {
  it('creates a workspace with its owner in one step and finds it by id or name', () => {
    const store = fresh();
    const acme = store.workspaces.create({ name: 'acme', description: 'd', user: 'alice' });
    expect(store.workspaces.find(acme.id)).toEqual(acme);
    expect(store.workspaces.find('acme')).toEqual(acme);
    expect(store.workspaces.find('nope')).toBeUndefined();
    expect(store.members.get(acme.id, 'alice')).toMatchObject({ role: 'owner', addedBy: 'alice' });
    expect(() => store.workspaces.create({ name: 'acme', user: 'bob' })).toThrow(ConflictError);
    // the failed create left no owner row behind for bob
    expect(store.workspaces.listForUser('bob')).toEqual([]);
  });

  it('scopes environment names to their workspace', () => {
    const store = fresh();
    const a = store.workspaces.create({ name: 'a', user: 'u' });
    const b = store.workspaces.create({ name: 'b', user: 'u' });
    const devA = store.environments.create({ workspaceId: a.id, workspaceName: 'a', name: 'dev', user: 'u' });
    store.environments.create({ workspaceId: b.id, workspaceName: 'b', name: 'dev', user: 'u' });
    expect(() => store.environments.create({ workspaceId: a.id, workspaceName: 'a', name: 'dev', user: 'u' })).toThrow(
      ConflictError,
    );
    expect(store.environments.find(a.id, 'dev')).toEqual(devA);
    expect(store.environments.find(b.id, devA.id)).toBeUndefined();
    const renamed = store.environments.update(devA, 'a', { name: 'development' }, 'v');
    expect(renamed).toMatchObject({ name: 'development', updatedBy: 'v', createdBy: 'u' });
  });

  it('cascades a workspace delete to members and environments', () => {
    const store = fresh();
    const a = store.workspaces.create({ name: 'a', user: 'u' });
    store.members.add({ workspaceId: a.id, workspaceName: 'a', user: 'm', role: 'member', by: 'u' });
    store.environments.create({ workspaceId: a.id, workspaceName: 'a', name: 'dev', user: 'u' });
    store.workspaces.delete(a.id);
    const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('workspaces'), count('members'), count('environments')]).toEqual([0, 0, 0]);
  });

  it('keeps the last owner', () => {
    const store = fresh();
    const a = store.workspaces.create({ name: 'a', user: 'u' });
    expect(() => store.members.setRole(a.id, 'a', 'u', 'member')).toThrow(ConflictError);
    expect(() => store.members.remove(a.id, 'a', 'u')).toThrow(ConflictError);
    expect(() => store.members.remove(a.id, 'a', 'ghost')).toThrow(NotFoundError);
    store.members.add({ workspaceId: a.id, workspaceName: 'a', user: 'v', role: 'owner', by: 'u' });
    expect(store.members.setRole(a.id, 'a', 'u', 'member').role).toBe('member');
    expect(store.members.list(a.id).map((m) => [m.user, m.role])).toEqual([
      ['v', 'owner'],
      ['u', 'member'],
    ]);
  });
});
