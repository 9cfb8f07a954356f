import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/errors.js';
import { classifyKeychainError, keychainError } from '../../../src/store/credentials/keychain-errors.js';

// Every message below was produced on Debian 12 (reference/dependencies.md § 2, and re-run for this
// module under dbus-run-session with and without gnome-keyring).
const cases: Array<[situation: string, message: string, kind: 'unavailable' | 'refused' | 'failed', reason: RegExp]> = [
  [
    'napi, no session bus',
    'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
    'unavailable',
    /no D-Bus session bus/,
  ],
  ['keytar, no session bus', 'Cannot autolaunch D-Bus without X11 $DISPLAY', 'unavailable', /no D-Bus session bus/],
  [
    'napi, bus without a Secret Service',
    'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files',
    'unavailable',
    /no Secret Service provider/,
  ],
  [
    'keytar, bus without a Secret Service',
    'The name org.freedesktop.secrets was not provided by any .service files',
    'unavailable',
    /no Secret Service provider/,
  ],
  [
    'napi, DBUS_SESSION_BUS_ADDRESS points at nothing',
    'Platform failure: DBus error: Failed to connect to socket /tmp/nonexistent-bus: No such file or directory',
    'unavailable',
    /does not answer/,
  ],
  [
    'findCredentials, no session bus',
    'zbus error: Failed to connect to address `unix:path=/run/user/0/bus`: No such file or directory (os error 2)',
    'unavailable',
    /does not answer/,
  ],
  [
    'no prebuilt binding for the platform',
    'Cannot find native binding. npm has a bug related to optional dependencies (https://github.com/npm/cli/issues/4828).',
    'unavailable',
    /no keychain binding/,
  ],
  [
    'napi, keyring locked (not unlocked, or wrong password)',
    "Couldn't access platform storage: Secret Service: unlock prompt was dismissed",
    'refused',
    /locked/,
  ],
  ['keytar, keyring locked, setPassword', 'Cannot create an item in a locked collection', 'refused', /locked/],
  [
    'findCredentials, keyring locked',
    'zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object',
    'refused',
    /locked/,
  ],
  [
    'napi, fresh HOME, daemon started without --unlock',
    "Couldn't access platform storage: Secret Service: no result found",
    'refused',
    /no default keyring/,
  ],
  [
    'keytar, fresh HOME, daemon started without --unlock',
    'Object does not exist at path "/org/freedesktop/secrets/collection/login"',
    'refused',
    /no default keyring/,
  ],
  ['napi default store, keyutils link refused', "Couldn't access platform storage: AccessDenied", 'refused', /denied/],
  ['macOS, prompt cancelled', 'User canceled the operation.', 'refused', /denied/],
  ['an unknown platform failure', 'Platform failure: something new', 'unavailable', /not reachable/],
  ['an ambiguous entry', 'Entry is matched by 2 credentials', 'failed', /reported an error/],
];

describe('classifyKeychainError', () => {
  it.each(cases)('%s → %s', (_situation, message, kind, reason) => {
    const failure = classifyKeychainError(Object.assign(new Error(message), { code: 'GenericFailure' }));
    expect(failure.kind).toBe(kind);
    expect(failure.reason).toMatch(reason);
    expect(failure.detail).toBe(message);
  });

  it('accepts a thrown non-Error', () => {
    expect(classifyKeychainError('Cannot autolaunch D-Bus without X11 $DISPLAY').kind).toBe('unavailable');
  });
});

describe('keychainError', () => {
  it('is a RuntimeError that names the operation, the reason, the platform detail and a fix', () => {
    const error = keychainError('store the secret of "c1" in the OS keychain', new Error(cases[7]![1]));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.code).toBe('runtime_error');
    expect(error.message).toBe(
      'cannot store the secret of "c1" in the OS keychain: the keyring is locked and was not unlocked ' +
        "(Couldn't access platform storage: Secret Service: unlock prompt was dismissed)",
    );
    expect(error.hint).toMatch(/unlock your keyring.*VMX_CREDENTIAL_STORE=file/);
  });

  it('never repeats the secret, even if the platform message contains it', () => {
    const error = keychainError('store x', new Error('bad item sk-live-123 rejected sk-live-123'), 'sk-live-123');
    expect(error.message).not.toContain('sk-live-123');
    expect(error.message).toContain('[redacted]');
  });
});
