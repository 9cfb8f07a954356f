import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../../errors.js';

/** The current key, 32 bytes as base64 or 64 hex characters. */
export const SECRET_KEY_ENV = 'VMX_SECRET_KEY';
/** Keys that only open (never seal): comma-separated, same format, for a rotation in progress. */
export const PREVIOUS_KEYS_ENV = 'VMX_SECRET_KEY_PREVIOUS';
/** The key file's path when no `--secret-key-file` is given (e.g. a container secret under /run/secrets). */
export const SECRET_KEY_FILE_ENV = 'VMX_SECRET_KEY_FILE';

const HOW_TO_MAKE = 'make one with `openssl rand -base64 32`';
/** A key file is a few lines; anything bigger is the wrong file. */
const MAX_KEY_FILE_BYTES = 4096;

/**
 * One AES-256 key. The material sits in a `KeyObject`, which neither `util.inspect`, a logger nor
 * `JSON.stringify` prints, so a key held in an object that ends up in a log line stays out of it.
 */
export interface SecretKey {
  /** The first 8 hex characters of SHA-256 of the key: names the key in sealed values and messages. */
  readonly id: string;
  readonly key: KeyObject;
}

/** The key that seals, and the keys that still open values sealed before a rotation. */
export interface SecretKeyring {
  readonly current: SecretKey;
  /** Never used to seal; in the order given, without the current key. */
  readonly previous: readonly SecretKey[];
  /** Where the current key came from, for `vmx doctor`: `VMX_SECRET_KEY` or `file <path>`. */
  readonly source: string;
}

export interface LoadSecretKeysOptions {
  /** `--secret-key-file`; wins over `VMX_SECRET_KEY_FILE`. */
  keyFile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Parses one key: 64 hex characters, or base64 / base64url of exactly 32 bytes (padding optional,
 * surrounding whitespace ignored).
 * @param origin names the key in the error, e.g. `VMX_SECRET_KEY` or `line 2 of /etc/vmx/key`.
 * @throws UsageError saying what is expected; never quotes the value.
 */
export function parseSecretKey(text: string, origin: string): SecretKey {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed) || /^[A-Za-z0-9_-]{43}=?$/.test(trimmed)) {
    bytes = Buffer.from(trimmed, 'base64');
  }
  if (bytes?.length !== 32) {
    throw new UsageError(
      `${origin} must be a 32-byte key as base64 (44 characters) or 64 hex characters; ${HOW_TO_MAKE}`,
    );
  }
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return { id, key };
}

/**
 * The secret keys of this process, or `undefined` when none is given (the shared store then refuses
 * to open or seal a secret, and says so naming the connection).
 *
 * - The current key: `--secret-key-file` / `VMX_SECRET_KEY_FILE` (first key line of the file), or
 *   `VMX_SECRET_KEY`. Giving both a file and `VMX_SECRET_KEY` is refused: two processes that pick
 *   different keys for new values would each leave values the other cannot open.
 * - Previous keys: the key file's further lines, and `VMX_SECRET_KEY_PREVIOUS` (comma-separated).
 *
 * @throws UsageError for a malformed key, an unreadable key file, a key file group or others can
 *   access, or previous keys without a current one.
 */
export function loadSecretKeys(options: LoadSecretKeysOptions = {}): SecretKeyring | undefined {
  const env = options.env ?? process.env;
  const file = options.keyFile || env[SECRET_KEY_FILE_ENV] || undefined;
  const inline = env[SECRET_KEY_ENV] || undefined;
  const previousText = env[PREVIOUS_KEYS_ENV] || undefined;
  if (file && inline) {
    throw new UsageError(`give the secret key one way: ${SECRET_KEY_ENV} or --secret-key-file, not both`);
  }
  const fromEnv = (previousText ?? '')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part, index) => parseSecretKey(part, `key ${index + 1} of ${PREVIOUS_KEYS_ENV}`));

  let keys: SecretKey[];
  let source: string;
  if (file) {
    keys = readKeyFile(file);
    source = `file ${file}`;
  } else if (inline) {
    keys = [parseSecretKey(inline, SECRET_KEY_ENV)];
    source = SECRET_KEY_ENV;
  } else {
    if (fromEnv.length > 0) {
      throw new UsageError(
        `${PREVIOUS_KEYS_ENV} is set but there is no current key: set ${SECRET_KEY_ENV} or --secret-key-file`,
      );
    }
    return undefined;
  }
  const [current, ...rest] = keys as [SecretKey, ...SecretKey[]];
  const previous: SecretKey[] = [];
  for (const key of [...rest, ...fromEnv]) {
    if (key.id !== current.id && !previous.some((seen) => seen.id === key.id)) previous.push(key);
  }
  return { current, previous, source };
}

/**
 * The keys of a key file: one per line, the first seals, the others only open; blank lines and
 * `#` comments are skipped. Refused unless only its owner can access it (like ssh's private keys):
 * the file is the whole secret.
 */
function readKeyFile(path: string): SecretKey[] {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    // fstat on the open descriptor: the mode checked is the mode of the file read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`the secret key file ${path} is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new UsageError(
        `the secret key file ${path} can be read by group or others (mode ${mode}); make it private with \`chmod 600 ${path}\``,
      );
    }
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    const size = readSync(fd, buffer, 0, buffer.length, 0);
    if (size > MAX_KEY_FILE_BYTES) throw new UsageError(`the secret key file ${path} is too big to be a key file`);
    text = buffer.subarray(0, size).toString('utf8');
    buffer.fill(0);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new UsageError(`the secret key file ${path} cannot be read (${code})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const keys: SecretKey[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    keys.push(parseSecretKey(trimmed, `line ${index + 1} of the secret key file ${path}`));
  });
  if (keys.length === 0) throw new UsageError(`the secret key file ${path} holds no key; ${HOW_TO_MAKE}`);
  return keys;
}
