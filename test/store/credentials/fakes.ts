import type { RuntimeError } from '../../../src/errors.js';
import type { CredentialStore } from '../../../src/store/credentials/types.js';
import type { KeyringBackend, KeyringEntry } from '../../../src/store/credentials/keychain-store.js';

/** Real platform messages (reference/dependencies.md § 2 and this machine), to make the fake fail like the real thing. */
export const messages = {
  noBus:
    'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
  noProvider: 'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files',
  locked: "Couldn't access platform storage: Secret Service: unlock prompt was dismissed",
  noCollection: "Couldn't access platform storage: Secret Service: no result found",
} as const;

/**
 * An in-memory keychain in place of @napi-rs/keyring, so unit tests never reach the user's keychain.
 * `failOpen` makes `entry()` throw (the napi constructor does that when the store is unavailable);
 * `failWrite`/`failRead`/`failDelete` make the operations throw, like a locked collection.
 */
export class FakeKeyring implements KeyringBackend {
  readonly label = 'Secret Service';
  readonly items = new Map<string, string>();
  failOpen?: string;
  failWrite?: string;
  failRead?: string;
  failDelete?: string;
  opened = 0;

  entry(service: string, account: string): KeyringEntry {
    this.opened++;
    if (this.failOpen) throw Object.assign(new Error(this.failOpen), { code: 'GenericFailure' });
    const key = `${service}/${account}`;
    const fail = (message: string | undefined) => {
      if (message) throw Object.assign(new Error(message), { code: 'GenericFailure' });
    };
    return {
      getPassword: () => {
        fail(this.failRead);
        return this.items.get(key) ?? null;
      },
      setPassword: (password) => {
        fail(this.failWrite);
        this.items.set(key, password);
      },
      deletePassword: () => {
        fail(this.failDelete);
        return this.items.delete(key);
      },
    };
  }
}

/** A keychain that must never be touched: any use fails the test. */
export const untouchableKeyring: KeyringBackend = {
  label: 'untouchable',
  entry() {
    throw new Error('the keychain was touched');
  },
};

/** A plain in-memory CredentialStore, for tests of the layers above the stores. */
export class MemoryStore implements CredentialStore {
  readonly kind = 'keychain' as const;
  readonly description = 'memory';
  readonly items = new Map<string, string>();
  gets = 0;

  get(account: string): string | undefined {
    this.gets++;
    return this.items.get(account);
  }
  set(account: string, secret: string): void {
    this.items.set(account, secret);
  }
  delete(account: string): boolean {
    return this.items.delete(account);
  }
}

/** Runs `run` and returns what it threw (failing the test when it did not throw). */
export function catchError(run: () => unknown): RuntimeError {
  try {
    run();
  } catch (error) {
    return error as RuntimeError;
  }
  throw new Error('expected an error');
}
