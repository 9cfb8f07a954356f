import { mkdirSync } from 'node:fs';
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

/** Creates the data dir readable by its owner only: it holds the database and possibly a secrets file. */
export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
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
