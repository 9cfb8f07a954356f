import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import { tightenFiles } from '../config.js';

/** What `vmx use` remembers for this data dir: the current context (ids, so renames do not break it) and the store. */
export interface CliSettings {
  context?: { workspace: string; environment?: string };
  /** A shared store to use when no flag or environment variable names one (`vmx use --database-url`). */
  store?: { databaseUrl: string; redisUrl?: string };
}

export function readSettings(path: string): CliSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const settings = safeJson(text);
  if (!isSettings(settings)) {
    throw new RuntimeError(`${path} is not a valid vmx settings file`, 'delete it and run `vmx use` again');
  }
  return settings;
}

// Checked by hand rather than with zod: this runs on most commands, and zod's load time would dominate start-up.
function isSettings(value: unknown): value is CliSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { context, store } = value as CliSettings;
  if (store !== undefined && !isStore(store)) return false;
  if (context === undefined) return true;
  return (
    typeof context === 'object' &&
    context !== null &&
    typeof context.workspace === 'string' &&
    (context.environment === undefined || typeof context.environment === 'string')
  );
}

function isStore(store: unknown): boolean {
  if (typeof store !== 'object' || store === null) return false;
  const { databaseUrl, redisUrl } = store as { databaseUrl?: unknown; redisUrl?: unknown };
  return typeof databaseUrl === 'string' && (redisUrl === undefined || typeof redisUrl === 'string');
}

/** Written to a temp file and renamed, so a crash never leaves half a file. */
export function writeSettings(path: string, settings: CliSettings): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  // The mode above applies only when the file is new; a temp file left by a crash keeps its own.
  tightenFiles([temp]);
  renameSync(temp, path);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
