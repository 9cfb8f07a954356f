import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/errors.js';
import { KeychainStore } from '../../../src/store/credentials/keychain-store.js';
import { catchError, FakeKeyring, messages } from './fakes.js';

describe('KeychainStore (on a fake keyring)', () => {
  it('keeps one item per account under service "vmx"', () => {
    const keyring = new FakeKeyring();
    const store = new KeychainStore(keyring);
    expect(store.kind).toBe('keychain');
    expect(store.description).toBe('OS keychain (Secret Service), service "vmx"');
    expect(store.get('c1')).toBeUndefined();
    store.set('c1', 'sk-1');
    expect([...keyring.items]).toEqual([['vmx/c1', 'sk-1']]);
    expect(store.get('c1')).toBe('sk-1');
    expect(store.delete('c1')).toBe(true);
    expect(store.delete('c1')).toBe(false);
  });

  it('turns a refused write into a RuntimeError that does not contain the secret', () => {
    const keyring = new FakeKeyring();
    keyring.failWrite = `${messages.locked} while storing sk-secret-9`;
    const store = new KeychainStore(keyring);
    const error = catchError(() => store.set('c1', 'sk-secret-9'));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.message).toMatch(/^cannot store the secret of "c1" in the OS keychain: the keyring is locked/);
    expect(error.message).not.toContain('sk-secret-9');
    expect(keyring.items.size).toBe(0);
  });

  it('reports read and delete failures as RuntimeErrors too', () => {
    const keyring = new FakeKeyring();
    keyring.failRead = messages.locked;
    keyring.failDelete = messages.locked;
    const store = new KeychainStore(keyring);
    expect(() => store.get('c1')).toThrow(/cannot read the secret of "c1" from the OS keychain/);
    expect(() => store.delete('c1')).toThrow(/cannot delete the secret of "c1"/);
  });

  describe('probe', () => {
    it('is ok on a working keychain and leaves no item behind', () => {
      const keyring = new FakeKeyring();
      expect(new KeychainStore(keyring).probe()).toEqual({ ok: true });
      expect(keyring.items.size).toBe(0);
    });

    it('says "unavailable" when the entry cannot even be opened (no bus)', () => {
      const keyring = new FakeKeyring();
      keyring.failOpen = messages.noBus;
      expect(new KeychainStore(keyring).probe()).toMatchObject({ ok: false, kind: 'unavailable' });
    });

    // A locked collection answers reads of missing items with null: only the write shows the lock.
    it('says "refused" when reads pass but the write is refused', () => {
      const keyring = new FakeKeyring();
      keyring.failWrite = messages.locked;
      expect(new KeychainStore(keyring).probe()).toMatchObject({ ok: false, kind: 'refused', detail: messages.locked });
    });
  });
});
