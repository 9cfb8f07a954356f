import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../../src/errors.js';
import { openCredentialStore } from '../../../src/store/credentials/open.js';
import { tempHome } from '../../helpers/temp-home.js';
import { catchError, FakeKeyring, messages, untouchableKeyring } from './fakes.js';

const open = (keyring: FakeKeyring | typeof untouchableKeyring, env: NodeJS.ProcessEnv = {}, home = tempHome()) => ({
  home,
  ...openCredentialStore({ home, env, keyring }),
});

describe('openCredentialStore', () => {
  it('auto: uses the keychain when it answers, with no warning and no file', () => {
    const keyring = new FakeKeyring();
    const { store, warning, home } = open(keyring);
    expect(store.kind).toBe('keychain');
    expect(store.description).toBe('OS keychain (Secret Service), service "vmx"');
    expect(warning).toBeUndefined();
    store.set('c1', 'sk-1');
    expect(keyring.items.get('vmx/c1')).toBe('sk-1');
    expect(readdirSync(home)).toEqual([]);
  });

  it.each([
    ['no session bus', messages.noBus, /no D-Bus session bus/],
    ['no Secret Service provider', messages.noProvider, /no Secret Service provider/],
  ])('auto, %s: falls back to the 0600 file and announces it in one line', (_name, message, reason) => {
    const keyring = new FakeKeyring();
    keyring.failOpen = message;
    const { store, warning, home } = open(keyring);
    const path = join(home, 'secrets.json');
    expect(store.kind).toBe('file');
    expect(store.description).toBe(`file ${path} (mode 0600, dir 0700)`);
    expect(warning).toMatch(reason);
    expect(warning).toMatch(
      new RegExp(`^no OS keychain answered \\(.+\\); secrets go to ${escape(path)} \\(mode 0600\\)$`),
    );
    store.set('c1', 'sk-1');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(store.get('c1')).toBe('sk-1');
  });

  it.each([
    ['locked', messages.locked, /the keyring is locked/],
    ['no default collection', messages.noCollection, /no default keyring/],
  ])('auto, keychain %s: throws a clear RuntimeError and writes nothing anywhere', (_name, message, reason) => {
    const keyring = new FakeKeyring();
    keyring.failWrite = message;
    const home = tempHome();
    const error = catchError(() => openCredentialStore({ home, env: {}, keyring }));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.message).toMatch(/^the OS keychain \(Secret Service\), service "vmx" cannot be used: /);
    expect(error.message).toMatch(reason);
    expect(error.message).toMatch(/nothing was stored$/);
    expect(error.hint).toMatch(/unlock your keyring/);
    expect(keyring.items.size).toBe(0);
    expect(readdirSync(home)).toEqual([]);
  });

  it('VMX_CREDENTIAL_STORE=keychain: a missing keychain is an error, not a fallback', () => {
    const keyring = new FakeKeyring();
    keyring.failOpen = messages.noBus;
    const home = tempHome();
    expect(() => openCredentialStore({ home, env: { VMX_CREDENTIAL_STORE: 'keychain' }, keyring })).toThrow(
      /^the keychain was required, but the OS keychain .* cannot be used: no D-Bus session bus/,
    );
    expect(existsSync(join(home, 'secrets.json'))).toBe(false);
  });

  it('VMX_CREDENTIAL_STORE=file: the keychain is never touched and there is no warning', () => {
    const { store, warning } = open(untouchableKeyring, { VMX_CREDENTIAL_STORE: 'file' });
    expect(store.kind).toBe('file');
    expect(warning).toBeUndefined();
    store.set('c1', 'sk-1');
    expect(store.get('c1')).toBe('sk-1');
  });

  it('an explicit preference wins over VMX_CREDENTIAL_STORE', () => {
    const home = tempHome();
    const opened = openCredentialStore({
      home,
      env: { VMX_CREDENTIAL_STORE: 'keychain' },
      prefer: 'file',
      keyring: untouchableKeyring,
    });
    expect(opened.store.kind).toBe('file');
  });

  it('rejects an unknown VMX_CREDENTIAL_STORE', () => {
    expect(() => open(new FakeKeyring(), { VMX_CREDENTIAL_STORE: 'vault' })).toThrow(UsageError);
  });
});

describe('the opened store across keychain outages', () => {
  it('finds a secret saved to the file while the keychain was down, moves it on rewrite, deletes everywhere', () => {
    const home = tempHome();
    const keyring = new FakeKeyring();
    keyring.failOpen = messages.noBus;
    openCredentialStore({ home, env: {}, keyring }).store.set('c1', 'sk-while-down');
    openCredentialStore({ home, env: {}, keyring }).store.set('c2', 'sk-also-down');

    keyring.failOpen = undefined; // the keychain is back
    const { store, warning } = openCredentialStore({ home, env: {}, keyring });
    expect(warning).toBeUndefined();
    expect(store.kind).toBe('keychain');
    expect(store.get('c1')).toBe('sk-while-down');

    store.set('c1', 'sk-rotated'); // goes to the keychain and leaves the plaintext file
    expect(keyring.items.get('vmx/c1')).toBe('sk-rotated');
    expect(readFileMap(home)).toEqual({ c2: 'sk-also-down' });
    expect(store.get('c1')).toBe('sk-rotated');

    expect(store.delete('c2')).toBe(true); // only in the file
    expect(store.delete('c1')).toBe(true); // only in the keychain
    expect(store.delete('c1')).toBe(false);
    expect(readFileMap(home)).toEqual({});
    expect(keyring.items.size).toBe(0);
  });

  it('does not read around a keychain that fails: a locked item is an error, not a stale file value', () => {
    const home = tempHome();
    const keyring = new FakeKeyring();
    keyring.failOpen = messages.noBus;
    openCredentialStore({ home, env: {}, keyring }).store.set('c1', 'sk-old');
    keyring.failOpen = undefined;
    const { store } = openCredentialStore({ home, env: {}, keyring });
    keyring.failRead = messages.locked;
    expect(() => store.get('c1')).toThrow(RuntimeError);
  });
});

function readFileMap(home: string): Record<string, string> {
  return JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8'));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
