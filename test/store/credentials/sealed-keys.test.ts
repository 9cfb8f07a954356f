import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { loadSecretKeys, parseSecretKey } from '../../../src/store/credentials/sealed-keys.js';
import { tempHome } from '../../helpers/temp-home.js';

const bytes = randomBytes(32);
const id = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
const expected = (origin: string) =>
  `${origin} must be a 32-byte key as base64 (44 characters) or 64 hex characters; make one with \`openssl rand -base64 32\``;

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).not.toContain('\n');
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

function keyFile(text: string, mode = 0o600): string {
  const dir = join(tempHome(), 'keys');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'vmx.key');
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

describe('parseSecretKey', () => {
  it.each([
    ['base64', bytes.toString('base64')],
    ['base64 without padding', bytes.toString('base64').replace(/=$/, '')],
    ['base64url', bytes.toString('base64url')],
    ['hex', bytes.toString('hex')],
    ['upper-case hex', bytes.toString('hex').toUpperCase()],
    ['base64 with a newline, as openssl prints it', `${bytes.toString('base64')}\n`],
  ])('takes %s; the id is the first 8 hex characters of its SHA-256', (_form, text) => {
    expect(parseSecretKey(text, 'K').id).toBe(id);
  });

  it.each([
    ['a passphrase', 'correct horse battery staple'],
    ['16 bytes of base64', randomBytes(16).toString('base64')],
    ['48 bytes of base64', randomBytes(48).toString('base64')],
    ['63 hex characters', bytes.toString('hex').slice(1)],
    ['mixed base64 alphabets', `+_${bytes.toString('base64').slice(2)}`],
    ['empty', ''],
  ])('refuses %s, saying what is expected and never quoting it', (_form, text) => {
    const error = usageError(() => parseSecretKey(text, 'VMX_SECRET_KEY'));
    expect(error.message).toBe(expected('VMX_SECRET_KEY'));
  });
});

describe('loadSecretKeys', () => {
  const b64 = (key: Buffer) => key.toString('base64');
  const old = randomBytes(32);
  const older = randomBytes(32);
  const idOf = (key: Buffer) => parseSecretKey(key.toString('hex'), 'k').id;

  it('no key anywhere: undefined (the shared store then refuses per connection)', () => {
    expect(loadSecretKeys({ env: {} })).toBeUndefined();
    expect(loadSecretKeys({ env: { VMX_SECRET_KEY: '' } })).toBeUndefined();
  });

  it('VMX_SECRET_KEY, with VMX_SECRET_KEY_PREVIOUS comma-separated (the current key and duplicates dropped)', () => {
    const env = {
      VMX_SECRET_KEY: b64(bytes),
      VMX_SECRET_KEY_PREVIOUS: `${b64(old)}, ${old.toString('hex')},${b64(bytes)},${b64(older)}`,
    };
    const ring = loadSecretKeys({ env })!;
    expect(ring.current.id).toBe(id);
    expect(ring.previous.map((key) => key.id)).toEqual([idOf(old), idOf(older)]);
    expect(ring.source).toBe('VMX_SECRET_KEY');
  });

  it('a key file: the first key line seals, later lines open; comments and blank lines skipped', () => {
    const path = keyFile(`# current\n${b64(bytes)}\n\n# previous, until the re-seal is done\n${old.toString('hex')}\n`);
    const ring = loadSecretKeys({ keyFile: path, env: { VMX_SECRET_KEY_PREVIOUS: b64(older) } })!;
    expect(ring.current.id).toBe(id);
    expect(ring.previous.map((key) => key.id)).toEqual([idOf(old), idOf(older)]);
    expect(ring.source).toBe(`file ${path}`);
    expect(loadSecretKeys({ env: { VMX_SECRET_KEY_FILE: path } })!.current.id).toBe(id);
  });

  it.skipIf(process.platform === 'win32')('refuses a key file group or others can read', () => {
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      const path = keyFile(b64(bytes), mode);
      const error = usageError(() => loadSecretKeys({ keyFile: path, env: {} }));
      const shown = mode.toString(8).padStart(4, '0');
      expect(error.message).toBe(
        `the secret key file ${path} can be read by group or others (mode ${shown}); make it private with \`chmod 600 ${path}\``,
      );
    }
    expect(loadSecretKeys({ keyFile: keyFile(b64(bytes), 0o400), env: {} })!.current.id).toBe(id);
  });

  it('names the line of a malformed key in a key file', () => {
    const path = keyFile(`${b64(bytes)}\nnot-a-key\n`);
    expect(usageError(() => loadSecretKeys({ keyFile: path, env: {} })).message).toBe(
      expected(`line 2 of the secret key file ${path}`),
    );
  });

  it('refuses a missing, empty or directory key file', () => {
    const missing = join(tempHome(), 'nope.key');
    expect(usageError(() => loadSecretKeys({ keyFile: missing, env: {} })).message).toBe(
      `the secret key file ${missing} cannot be read (ENOENT)`,
    );
    const empty = keyFile('# nothing yet\n');
    expect(usageError(() => loadSecretKeys({ keyFile: empty, env: {} })).message).toBe(
      `the secret key file ${empty} holds no key; make one with \`openssl rand -base64 32\``,
    );
    const dir = tempHome();
    chmodSync(dir, 0o700);
    expect(usageError(() => loadSecretKeys({ keyFile: dir, env: {} })).message).toBe(
      `the secret key file ${dir} is not a regular file`,
    );
  });

  it('refuses a key given two ways, and previous keys without a current one', () => {
    const path = keyFile(b64(bytes));
    expect(usageError(() => loadSecretKeys({ keyFile: path, env: { VMX_SECRET_KEY: b64(bytes) } })).message).toBe(
      'give the secret key one way: VMX_SECRET_KEY or --secret-key-file, not both',
    );
    expect(usageError(() => loadSecretKeys({ env: { VMX_SECRET_KEY_PREVIOUS: b64(old) } })).message).toBe(
      'VMX_SECRET_KEY_PREVIOUS is set but there is no current key: set VMX_SECRET_KEY or --secret-key-file',
    );
  });

  it('a malformed VMX_SECRET_KEY is refused without quoting it', () => {
    const error = usageError(() => loadSecretKeys({ env: { VMX_SECRET_KEY: 'hunter2-hunter2' } }));
    expect(error.message).toBe(expected('VMX_SECRET_KEY'));
    expect(
      usageError(() => loadSecretKeys({ env: { VMX_SECRET_KEY: b64(bytes), VMX_SECRET_KEY_PREVIOUS: 'x' } })).message,
    ).toBe(expected('key 1 of VMX_SECRET_KEY_PREVIOUS'));
  });
});
