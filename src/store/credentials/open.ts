import { RuntimeError, UsageError } from '../../errors.js';
import { CompositeStore } from './composite-store.js';
import { FileStore } from './file-store.js';
import { keychainHint } from './keychain-errors.js';
import { KeychainStore, type KeyringBackend } from './keychain-store.js';
import type { CredentialStore } from './types.js';

/** Which store to use: `auto` = the keychain if one answers, else the announced 0600 file. */
export type CredentialStorePreference = 'auto' | 'keychain' | 'file';

/** The environment variable that forces a store for a process (CI, headless servers). */
export const STORE_ENV = 'VMX_CREDENTIAL_STORE';

export interface OpenCredentialStoreOptions {
  /** The vmx data dir; the file store lives at `<home>/secrets.json`. */
  home: string;
  /** Read for `VMX_CREDENTIAL_STORE`; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** An explicit choice (e.g. from a flag); wins over `VMX_CREDENTIAL_STORE`. Default `auto`. */
  prefer?: CredentialStorePreference;
  /** The keychain binding; tests pass an in-memory fake. Default: `@napi-rs/keyring`. */
  keyring?: KeyringBackend;
}

export interface OpenedCredentialStore {
  store: CredentialStore;
  /** Set when `auto` fell back to the file: one line the caller prints to stderr. */
  warning?: string;
}

/**
 * Opens the credential store. Call it when a command needs a secret, never at CLI start-up: `auto`
 * and `keychain` probe the keychain (one throw-away write, a few milliseconds).
 *
 * - `file`: only the 0600 file; the keychain is never touched.
 * - `keychain`: the keychain, or a `RuntimeError` if it is missing, locked or refusing.
 * - `auto`: the keychain; if there is no keychain at all, the file plus a `warning`; if a keychain
 *   is there but locked or refusing, a `RuntimeError` (a plaintext fallback would hide the
 *   problem and split secrets between two places). Nothing is written in either failure.
 *
 * With the keychain active, reads also find secrets left in the file, and writes move them into
 * the keychain (see {@link CompositeStore}).
 *
 * @throws UsageError when `VMX_CREDENTIAL_STORE` holds an unknown value.
 * @throws RuntimeError when the keychain is required (or present) but cannot be used.
 */
export function openCredentialStore(options: OpenCredentialStoreOptions): OpenedCredentialStore {
  const choice = resolvePreference(options.prefer, options.env ?? process.env);
  const file = new FileStore(options.home);
  if (choice === 'file') return { store: file };

  const keychain = new KeychainStore(options.keyring);
  const probe = keychain.probe();
  if (probe.ok) return { store: new CompositeStore(keychain, [file]) };

  if (choice === 'auto' && probe.kind === 'unavailable') {
    return {
      store: file,
      warning: `no OS keychain answered (${probe.reason}); secrets go to ${file.path} (mode 0600)`,
    };
  }
  const forced = choice === 'keychain' ? 'the keychain was required, but ' : '';
  throw new RuntimeError(
    `${forced}the ${keychain.description} cannot be used: ${probe.reason} (${probe.detail}); nothing was stored`,
    keychainHint(probe.kind),
  );
}

/** `prefer` (unless `auto`), else `VMX_CREDENTIAL_STORE`, else `auto`. */
export function resolvePreference(
  prefer: CredentialStorePreference | undefined,
  env: NodeJS.ProcessEnv,
): CredentialStorePreference {
  if (prefer && prefer !== 'auto') return prefer;
  const raw = env[STORE_ENV]?.trim().toLowerCase();
  if (!raw) return 'auto';
  if (raw === 'auto' || raw === 'keychain' || raw === 'file') return raw;
  throw new UsageError(`${STORE_ENV} must be "auto", "keychain" or "file", not "${env[STORE_ENV]}"`);
}
