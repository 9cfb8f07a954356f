import type { CredentialStore } from './types.js';

/**
 * The store vmx actually uses: writes go to the active store, reads look in the active store first
 * and then in the others, deletes remove from all of them.
 *
 * Why: a secret saved to the 0600 file while the keychain was down must still be found once the
 * keychain is back, and a later write moves it into the keychain (the plaintext copy is removed).
 * A failing store is never skipped silently: if the keychain throws on read, so does `get`.
 */
export class CompositeStore implements CredentialStore {
  readonly kind: CredentialStore['kind'];
  readonly description: string;

  constructor(
    readonly active: CredentialStore,
    readonly others: readonly CredentialStore[] = [],
  ) {
    this.kind = active.kind;
    this.description = active.description;
  }

  get(account: string): string | undefined {
    for (const store of [this.active, ...this.others]) {
      const secret = store.get(account);
      if (secret !== undefined) return secret;
    }
    return undefined;
  }

  /** The store that answers `get(account)`, for `connection show` ("stored in the keychain"). */
  locate(account: string): CredentialStore | undefined {
    return [this.active, ...this.others].find((store) => store.get(account) !== undefined);
  }

  set(account: string, secret: string): void {
    this.active.set(account, secret);
    // Only after the active write succeeded: never leave an account with no secret at all.
    for (const store of this.others) store.delete(account);
  }

  delete(account: string): boolean {
    // Try every store even if one fails, so a locked keychain does not keep a plaintext copy alive.
    let removed = false;
    let failure: unknown;
    for (const store of [this.active, ...this.others]) {
      try {
        removed = store.delete(account) || removed;
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return removed;
  }
}
