import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { RuntimeError } from '../../errors.js';
import type { CredentialStore } from './types.js';

/** The file name of the fallback store inside the data dir. */
export const SECRETS_FILE = 'secrets.json';

const LOCK_WAIT_MS = 10_000;
/** A lock older than this is left over by a crashed writer (a write holds it for milliseconds). */
const LOCK_STALE_MS = 30_000;
const POSIX = process.platform !== 'win32';

/**
 * {@link CredentialStore} in `<home>/secrets.json`: a JSON map account → secret, mode 0600 in a
 * 0700 dir. It protects against other local users only, like `~/.aws/credentials`.
 *
 * - Every `get` re-reads the file, so a secret written by the CLI is seen by a running daemon.
 * - Writes replace the file atomically (temp file in the same dir, fsync, rename): a reader or a
 *   crash sees the old map or the new one, never half a file.
 * - Writers take `secrets.json.lock` (O_EXCL) around read-modify-write, so two processes writing
 *   different accounts at once do not lose each other's entries. Readers take no lock.
 */
export class FileStore implements CredentialStore {
  readonly kind = 'file' as const;
  readonly path: string;
  readonly description: string;

  constructor(home: string) {
    this.path = join(home, SECRETS_FILE);
    this.description = `file ${this.path} (mode 0600, dir 0700)`;
  }

  get(account: string): string | undefined {
    return this.read()[account];
  }

  set(account: string, secret: string): void {
    this.update((map) => {
      map[account] = secret;
      return true;
    });
  }

  delete(account: string): boolean {
    // Checked without the lock first so that deleting an absent account never creates anything.
    if (!Object.hasOwn(this.read(), account)) return false;
    return this.update((map) => {
      if (!Object.hasOwn(map, account)) return false;
      delete map[account];
      return true;
    });
  }

  /** The whole map, read fresh from disk; `{}` when the file does not exist yet. */
  read(): Record<string, string> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new RuntimeError(`cannot read the secrets file ${this.path}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // JSON.parse's own message quotes the text around the fault, i.e. a piece of a secret.
      parsed = undefined;
    }
    const isMap =
      parsed !== null &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((value) => typeof value === 'string');
    if (!isMap) {
      throw new RuntimeError(
        `the secrets file ${this.path} is not a JSON map of account to secret`,
        'fix or remove the file, then set the secrets again',
      );
    }
    return Object.assign(Object.create(null) as Record<string, string>, parsed);
  }

  /** Read-modify-write under the lock; `change` returns false when nothing needs writing. */
  private update(change: (map: Record<string, string>) => boolean): boolean {
    this.ensureDir();
    const release = this.lock();
    try {
      const map = this.read();
      if (!change(map)) return false;
      this.replace(JSON.stringify(map, null, 2) + '\n');
      return true;
    } finally {
      release();
    }
  }

  private ensureDir(): void {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // An existing data dir may be looser than we would create it; the secrets file sits in it.
    if (POSIX && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  }

  private replace(text: string): void {
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        if (POSIX) chmodSync(temp, 0o600); // the umask can only narrow the mode; make it exact
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path);
    } catch (error) {
      tryUnlink(temp);
      throw new RuntimeError(`cannot write the secrets file ${this.path}: ${(error as Error).message}`);
    }
    syncDir(dirname(this.path));
  }

  /** Takes `secrets.json.lock`; returns the release function. */
  private lock(): () => void {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fd = openSync(lockPath, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return () => tryUnlink(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new RuntimeError(`cannot lock the secrets file ${this.path}: ${(error as Error).message}`);
        }
      }
      if (isStale(lockPath)) tryUnlink(lockPath);
      else if (Date.now() > deadline) {
        throw new RuntimeError(
          `the secrets file ${this.path} is locked by another vmx process`,
          `if no vmx is writing secrets, remove ${lockPath}`,
        );
      } else sleepSync(5 + Math.random() * 10);
    }
  }
}

function isStale(lockPath: string): boolean {
  try {
    return Date.now() - statSync(lockPath).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false; // gone already: the next attempt takes it
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Makes the rename itself durable. Directories cannot be opened for fsync on Windows. */
function syncDir(dir: string): void {
  if (!POSIX) return;
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // durability of the rename is best effort; the data itself is already fsynced
  }
}

/** The store is synchronous (like the keychain binding), so waiting for the lock is too. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
