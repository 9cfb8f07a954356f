import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type * as NapiKeyring from '@napi-rs/keyring';
import { classifyKeychainError, keychainError, type KeychainFailure } from './keychain-errors.js';
import { SERVICE, type CredentialStore } from './types.js';

/** One keychain item, as the napi `Entry` exposes it. */
export interface KeyringEntry {
  getPassword(): string | null;
  setPassword(password: string): void;
  deletePassword(): boolean;
}

/**
 * The slice of `@napi-rs/keyring` vmx uses. Tests pass an in-memory fake so that no unit test ever
 * touches the user's real keychain; production uses {@link napiKeyring}.
 */
export interface KeyringBackend {
  /** Opens the item (service, account). May throw when the keychain is unavailable. */
  entry(service: string, account: string): KeyringEntry;
  /** How `vmx doctor` names this keychain, e.g. `Secret Service`. */
  readonly label: string;
}

/** The result of {@link KeychainStore.probe}. */
export type KeychainProbe = { ok: true } | ({ ok: false } & KeychainFailure);

// Never a connection id (ids do not start with a dot), so the probe cannot clobber a real secret.
const PROBE_ACCOUNT = '.vmx-probe';

const PLATFORM_LABEL: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'macOS Keychain',
  win32: 'Windows Credential Manager',
};

/**
 * The real keychain through `@napi-rs/keyring`, loaded lazily: the native module is only read when a
 * command actually needs a secret, never at CLI start-up, and a platform without a prebuilt binding
 * surfaces as an "unavailable" keychain instead of a crash on import.
 *
 * On Linux every entry is pinned to the Secret Service store: the binding's default silently falls
 * back to the kernel keyutils keyring, which loses every secret at reboot.
 */
export function napiKeyring(): KeyringBackend {
  let loaded: typeof NapiKeyring | undefined;
  return {
    label: PLATFORM_LABEL[process.platform] ?? 'Secret Service',
    entry(service, account) {
      loaded ??= createRequire(import.meta.url)('@napi-rs/keyring') as typeof NapiKeyring;
      return new loaded.Entry(service, account, { linux: { store: 'secret-service' } });
    },
  };
}

/** {@link CredentialStore} backed by the OS keychain: one item per account under service `vmx`. */
export class KeychainStore implements CredentialStore {
  readonly kind = 'keychain' as const;
  readonly description: string;

  constructor(private readonly backend: KeyringBackend = napiKeyring()) {
    this.description = `OS keychain (${backend.label}), service "${SERVICE}"`;
  }

  get(account: string): string | undefined {
    try {
      return this.backend.entry(SERVICE, account).getPassword() ?? undefined;
    } catch (error) {
      throw keychainError(`read the secret of "${account}" from the OS keychain`, error);
    }
  }

  set(account: string, secret: string): void {
    try {
      this.backend.entry(SERVICE, account).setPassword(secret);
    } catch (error) {
      throw keychainError(`store the secret of "${account}" in the OS keychain`, error, secret);
    }
  }

  delete(account: string): boolean {
    try {
      return this.backend.entry(SERVICE, account).deletePassword();
    } catch (error) {
      throw keychainError(`delete the secret of "${account}" from the OS keychain`, error);
    }
  }

  /**
   * Tells "no keychain here" from "keychain present but refusing" without keeping anything.
   *
   * It writes and deletes a throw-away item because nothing cheaper is reliable: a locked Secret
   * Service collection answers `getPassword` with `null` for a missing item instead of an error, so
   * only a write shows that the keychain is locked. A failed write leaves nothing behind.
   */
  probe(): KeychainProbe {
    const token = randomBytes(8).toString('hex');
    try {
      const entry = this.backend.entry(SERVICE, PROBE_ACCOUNT);
      entry.setPassword(token);
      entry.deletePassword();
      return { ok: true };
    } catch (error) {
      const failure = classifyKeychainError(error);
      return { ok: false, ...failure, detail: failure.detail.split(token).join('[redacted]') };
    }
  }
}
