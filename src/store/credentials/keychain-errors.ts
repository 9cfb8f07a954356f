import { RuntimeError } from '../../errors.js';

/**
 * What a keychain failure means for vmx:
 * - `unavailable`: there is no keychain here (no session bus, no Secret Service provider, no binding
 *   for this platform). Falling back to the announced 0600 file is honest.
 * - `refused`: a keychain answered but will not serve us (locked collection, unlock prompt dismissed,
 *   no default keyring, access denied). Falling back would hide secrets from the user's keychain,
 *   so this is an error the user fixes.
 * - `failed`: anything else; treated like `refused` (an error, never a silent fallback).
 */
export type KeychainFailureKind = 'unavailable' | 'refused' | 'failed';

/** A classified keychain failure: `reason` is a short human phrase, `detail` the platform's words. */
export interface KeychainFailure {
  kind: KeychainFailureKind;
  reason: string;
  detail: string;
}

// Matched in order against the platform message. The messages are the ones observed on Debian 12
// with @napi-rs/keyring 2.1 (and keytar, for completeness), see reference/dependencies.md § 2.
const RULES: ReadonlyArray<{ test: RegExp; kind: KeychainFailureKind; reason: string }> = [
  {
    test: /autolaunch|DBUS_SESSION_BUS_ADDRESS/i,
    kind: 'unavailable',
    reason: 'no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set',
  },
  {
    test: /not provided by any \.service files|ServiceUnknown/i,
    kind: 'unavailable',
    reason: 'no Secret Service provider on the session bus, such as gnome-keyring or KeePassXC',
  },
  {
    test: /Failed to connect to (socket|address)|Connection refused/i,
    kind: 'unavailable',
    reason: 'the D-Bus session bus named by DBUS_SESSION_BUS_ADDRESS does not answer',
  },
  {
    test: /native binding|Cannot find module '@napi-rs\/keyring|no keychain on this platform/i,
    kind: 'unavailable',
    reason: 'no keychain binding for this platform',
  },
  {
    test: /locked|unlock prompt|dismissed/i,
    kind: 'refused',
    reason: 'the keyring is locked and was not unlocked',
  },
  {
    // gnome-keyring started without ever creating a login keyring: no default collection to write to.
    test: /no result found|Object does not exist at path/i,
    kind: 'refused',
    reason: 'the Secret Service has no default keyring: none was ever created and unlocked',
  },
  {
    test: /AccessDenied|access denied|not allowed|cancel+ed|passphrase .* not correct/i,
    kind: 'refused',
    reason: 'the keychain denied access',
  },
  // keyring-rs error kinds, when no specific phrase matched: a platform failure means the store is
  // not there; "couldn't access platform storage" means it is there but said no.
  { test: /^Platform (secure storage )?failure/i, kind: 'unavailable', reason: 'the OS keychain is not reachable' },
  { test: /^Couldn't access platform/i, kind: 'refused', reason: 'the keychain refused access' },
];

/** Classifies an error thrown by the keychain binding. Pure: tests feed it the real messages. */
export function classifyKeychainError(error: unknown): KeychainFailure {
  const detail = error instanceof Error ? error.message : String(error);
  for (const rule of RULES) {
    if (rule.test.test(detail)) return { kind: rule.kind, reason: rule.reason, detail };
  }
  return { kind: 'failed', reason: 'the keychain reported an error', detail };
}

/** Removes every occurrence of the secrets from `text`; a platform message must never echo one. */
export function redact(text: string, ...secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out;
}

/** The hint that fixes a keychain failure, by kind. */
export function keychainHint(kind: KeychainFailureKind): string {
  const orFile = 'or set VMX_CREDENTIAL_STORE=file to keep secrets in a 0600 file';
  return kind === 'unavailable'
    ? `start a Secret Service (e.g. gnome-keyring) in this session, ${orFile}`
    : `unlock your keyring (log in to the desktop, or \`gnome-keyring-daemon --unlock\` reading the password on stdin), ${orFile}`;
}

/**
 * The `RuntimeError` for a failed keychain operation. `what` says what was attempted, e.g.
 * `store the secret of "conn_1" in the OS keychain`; `secret` is redacted from the platform detail.
 */
export function keychainError(what: string, error: unknown, secret?: string): RuntimeError {
  const failure = classifyKeychainError(error);
  const detail = redact(failure.detail, secret);
  return new RuntimeError(`cannot ${what}: ${failure.reason} (${detail})`, keychainHint(failure.kind));
}
