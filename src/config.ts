import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import envPaths from 'env-paths';

/** Where vmx keeps its files. Everything lives in one directory so `--home` can point a test or a CI job elsewhere. */
export interface DataPaths {
  home: string;
  db: string;
  /** Current context and local settings of the CLI. */
  config: string;
  pidfile: string;
  log: string;
}

/** `--home`, else `VMX_HOME`, else the platform data dir (e.g. ~/.local/share/vmx on Linux). */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag || env.VMX_HOME;
  if (chosen) return resolve(chosen);
  return envPaths('vmx', { suffix: '' }).data;
}

export function dataPaths(home: string): DataPaths {
  return {
    home,
    db: join(home, 'vmx.db'),
    config: join(home, 'config.json'),
    pidfile: join(home, 'vmx.pid'),
    log: join(home, 'vmx.log'),
  };
}

/**
 * The files vmx keeps in its data dir: the database and SQLite's side files, the log, the pidfile, the
 * CLI's config.json, the credential file fallback's secrets.json (and its lock), the daemon's capacity
 * charge journals, and the temp files these are written through. Only these are tightened: `--home`
 * may name a directory that also holds files vmx did not make.
 */
const DATA_FILE =
  /^(?:vmx\.(?:db(?:-wal|-shm|-journal)?|log)|(?:vmx\.pid|config\.json|secrets\.json)(?:\.lock|\.[\w.]+\.tmp)?|charges-\d+\.journal)$/;

const POSIX = process.platform !== 'win32';

/**
 * Creates the data dir if needed and makes it and the files in it owner-only (dir 0700, files 0600):
 * it holds the database, the log and possibly a secrets file. A dir made by an earlier version, by
 * hand or under a loose umask is tightened too, every time it is opened, not only when created.
 */
export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  tightenHome(home);
}

/** Tightens an existing data dir and vmx's files in it (see {@link ensureHome}); a missing dir is left missing. */
export function tightenHome(home: string): void {
  if (!POSIX) return;
  let mode: number;
  let names: string[];
  try {
    mode = statSync(home).mode;
    names = readdirSync(home);
  } catch {
    return;
  }
  chmodQuietly(home, mode, 0o700);
  tightenFiles(names.filter((name) => DATA_FILE.test(name)).map((name) => join(home, name)));
}

/**
 * Makes each of these files that exists owner-only (0600). Symlinks are left alone (a link planted in
 * the dir must not redirect a chmod), and so is a file that vanished or is not ours: tightening is
 * best effort, and whatever then opens the file reports a real access problem.
 */
export function tightenFiles(paths: readonly string[]): void {
  if (!POSIX) return;
  for (const path of paths) {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isFile()) chmodQuietly(path, stat.mode, 0o600);
  }
}

function chmodQuietly(path: string, current: number, wanted: number): void {
  if ((current & 0o777) === wanted) return;
  try {
    chmodSync(path, wanted);
  } catch {
    // Best effort (gone meanwhile, not ours, a read-only mount): what opens it next says what is wrong.
  }
}

/** `--as`, else `VMX_USER`, else the OS user name. */
export function resolveUser(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag || env.VMX_USER;
  if (chosen) return chosen;
  try {
    return userInfo().username;
  } catch {
    return env.USER || env.USERNAME || 'user';
  }
}

/** The daemon's log levels (`vmx serve --log-level`, VMX_LOG_LEVEL); `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A level as given (flag or environment variable), or undefined when it is none of LOG_LEVELS. */
export function logLevel(text: string | undefined): LogLevel | undefined {
  const wanted = text?.trim().toLowerCase();
  return LOG_LEVELS.find((level) => level === wanted);
}
