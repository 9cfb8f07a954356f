import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import { tightenFiles } from '../config.js';

/** The current context set by `vmx use`: ids, so renames do not break it. */
export interface CliSettings {
  context?: { workspace: string; environment?: string };
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
  const context = (value as CliSettings).context;
  if (context === undefined) return true;
  return (
    typeof context === 'object' &&
    context !== null &&
    typeof context.workspace === 'string' &&
    (context.environment === undefined || typeof context.environment === 'string')
  );
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
