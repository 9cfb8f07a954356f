/**
 * Integration tests against a real Secret Service. They run only when KEYCHAIN_IT says which
 * situation the caller set up (.ci/keychain.sh does, in a throw-away HOME and D-Bus session):
 *   KEYCHAIN_IT=1            gnome-keyring unlocked: real round trips
 *   KEYCHAIN_IT=no-keychain  no session bus, or a bus without any Secret Service
 *   KEYCHAIN_IT=locked       gnome-keyring running but locked (or with no keyring at all)
 * Without KEYCHAIN_IT everything here is skipped and nothing talks to a keychain.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type * as NapiKeyring from '@napi-rs/keyring';
import { RuntimeError } from '../../src/errors.js';
import { ConnectionSecrets, FileStore, KeychainStore, openCredentialStore } from '../../src/store/credentials/index.js';
import { tempHome } from '../helpers/temp-home.js';

const mode = process.env.KEYCHAIN_IT;
const env = {}; // no VMX_CREDENTIAL_STORE, no overrides: the automatic choice is under test
// Loaded only inside tests, so a skipped run never loads the native module.
const vmxItems = () =>
  (createRequire(import.meta.url)('@napi-rs/keyring') as typeof NapiKeyring).findCredentials('vmx');
/** The account prefix the locked run tries to write; the unlocked run checks it never landed. */
const LOCKED_PREFIX = 'it-locked-';

describe.skipIf(mode !== '1')('real Secret Service, unlocked (KEYCHAIN_IT=1)', () => {
  const created: string[] = [];
  const account = () => {
    const id = `it-${randomUUID()}`;
    created.push(id);
    return id;
  };
  afterAll(() => {
    const store = new KeychainStore();
    for (const id of created) store.delete(id);
  });

  it('holds nothing left by the probe or by a run against the locked keyring', () => {
    const leftovers = vmxItems().filter(
      (c) => c.account.startsWith('.vmx-probe') || c.account.startsWith(LOCKED_PREFIX),
    );
    expect(leftovers).toEqual([]);
  });

  it('auto picks the keychain, with no warning and no file', () => {
    const home = tempHome();
    const { store, warning } = openCredentialStore({ home, env });
    expect(store.kind).toBe('keychain');
    expect(store.description).toBe('OS keychain (Secret Service), service "vmx"');
    expect(warning).toBeUndefined();
    expect(vmxItems().some((c) => c.account === '.vmx-probe')).toBe(false);
    expect(readdirSync(home)).toEqual([]);
  });

  it('round-trips set/get/delete, and the entry is visible under service "vmx"', () => {
    const { store } = openCredentialStore({ home: tempHome(), env });
    const id = account();
    expect(store.get(id)).toBeUndefined();
    store.set(id, 'sk-it-1');
    store.set(id, 'sk-it-2'); // replaces, does not duplicate
    expect(store.get(id)).toBe('sk-it-2');
    expect(vmxItems().filter((c) => c.account === id)).toEqual([{ account: id, password: 'sk-it-2' }]);
    expect(store.delete(id)).toBe(true);
    expect(store.get(id)).toBeUndefined();
    expect(store.delete(id)).toBe(false);
    expect(vmxItems().some((c) => c.account === id)).toBe(false);
  });

  it('ConnectionSecrets keeps one JSON entry per connection in the keychain', () => {
    const home = tempHome();
    const secrets = new ConnectionSecrets(() => openCredentialStore({ home, env }).store, {});
    const connection = { id: account(), name: 'my-bedrock' };
    secrets.write(connection.id, { accessKeyId: 'AKIAIT', secretAccessKey: 'sak-it' });
    expect(vmxItems().filter((c) => c.account === connection.id)).toEqual([
      { account: connection.id, password: '{"accessKeyId":"AKIAIT","secretAccessKey":"sak-it"}' },
    ]);
    expect(secrets.read(connection, ['accessKeyId', 'secretAccessKey']).values).toEqual({
      accessKeyId: 'AKIAIT',
      secretAccessKey: 'sak-it',
    });
    expect(secrets.status(connection, ['secretAccessKey']).source).toBe('keychain');
    expect(secrets.remove(connection.id)).toBe(true);
    expect(readdirSync(home)).toEqual([]);
  });

  it('finds a secret saved to the file while the keychain was down, and moves it in on rewrite', () => {
    const home = tempHome();
    const id = account();
    new FileStore(home).set(id, 'sk-from-file');
    const { store } = openCredentialStore({ home, env });
    expect(store.get(id)).toBe('sk-from-file');
    store.set(id, 'sk-now-in-keychain');
    expect(new FileStore(home).get(id)).toBeUndefined();
    expect(vmxItems().find((c) => c.account === id)?.password).toBe('sk-now-in-keychain');
  });
});

describe.skipIf(mode !== 'no-keychain')('no keychain at all (KEYCHAIN_IT=no-keychain)', () => {
  it('is really keychain-less here (otherwise this suite proves nothing)', () => {
    expect(() => vmxItems()).toThrow();
    expect(new KeychainStore().probe()).toMatchObject({ ok: false, kind: 'unavailable' });
  });

  it('auto announces the file fallback, and the secret lands in the 0600 file', () => {
    const home = tempHome();
    const { store, warning } = openCredentialStore({ home, env });
    const path = join(home, 'secrets.json');
    expect(store.kind).toBe('file');
    expect(warning).toMatch(/^no OS keychain answered \((no D-Bus session bus|no Secret Service provider)/);
    expect(warning).toContain(`; secrets go to ${path} (mode 0600)`);
    new ConnectionSecrets(store, {}).write('conn_it', { apiKey: 'sk-in-file' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ conn_it: '{"apiKey":"sk-in-file"}' });
  });

  it('VMX_CREDENTIAL_STORE=keychain turns the same situation into an error, writing nothing', () => {
    const home = tempHome();
    expect(() => openCredentialStore({ home, env: { VMX_CREDENTIAL_STORE: 'keychain' } })).toThrow(RuntimeError);
    expect(readdirSync(home)).toEqual([]);
  });
});

describe.skipIf(mode !== 'locked')('keyring present but locked (KEYCHAIN_IT=locked)', () => {
  it('auto refuses with a clear RuntimeError and writes no file', () => {
    const home = tempHome();
    let error: unknown;
    try {
      openCredentialStore({ home, env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RuntimeError);
    const { message, hint } = error as RuntimeError;
    expect(message).toMatch(/^the OS keychain \(Secret Service\), service "vmx" cannot be used: /);
    expect(message).toMatch(/the keyring is locked|no default keyring/);
    expect(message).toMatch(/nothing was stored$/);
    expect(hint).toMatch(/unlock your keyring/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('a direct write is refused without echoing the secret (the unlocked run checks nothing landed)', () => {
    const store = new KeychainStore();
    expect(() => store.set(`${LOCKED_PREFIX}direct`, 'sk-locked-must-not-leak')).toThrow(
      /^cannot store the secret of "it-locked-direct" in the OS keychain: /,
    );
    try {
      store.set(`${LOCKED_PREFIX}direct`, 'sk-locked-must-not-leak');
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('sk-locked-must-not-leak');
    }
  });

  it('ConnectionSecrets.write fails the same way and leaves no file', () => {
    const home = tempHome();
    const secrets = new ConnectionSecrets(() => openCredentialStore({ home, env }).store, {});
    expect(() => secrets.write(`${LOCKED_PREFIX}conn`, { apiKey: 'sk-locked' })).toThrow(RuntimeError);
    expect(readdirSync(home)).toEqual([]);
  });
});
