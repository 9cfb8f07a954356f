/** The keychain service every vmx entry lives under; the account is a connection id. */
export const SERVICE = 'vmx';

/** Where secrets are kept: the OS keychain, or the explicit 0600-file fallback. */
export type CredentialStoreKind = 'keychain' | 'file';

/**
 * A place that keeps one opaque secret string per account (a connection id) under service `vmx`.
 *
 * Synchronous on purpose: the napi keychain binding is synchronous and fast (a D-Bus round trip),
 * and the file store is a small local file. Implementations throw `RuntimeError` when the store
 * cannot be used; their messages never contain a secret.
 */
export interface CredentialStore {
  /** Which kind of store this is; `vmx doctor` reports it. */
  readonly kind: CredentialStoreKind;
  /**
   * One human line for `vmx doctor`, e.g. `OS keychain (Secret Service), service "vmx"` or
   * `file /home/me/.local/share/vmx/secrets.json (mode 0600, dir 0700)`.
   */
  readonly description: string;
  /** The secret stored for `account`, or `undefined` when there is none. Always reads the live value. */
  get(account: string): string | undefined;
  /** Creates or replaces the secret of `account`. */
  set(account: string, secret: string): void;
  /** Removes the secret of `account`; `true` if there was one. */
  delete(account: string): boolean;
}
