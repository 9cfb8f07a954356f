import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tightenFiles } from './config.js';

/**
 * The pidfile a running daemon keeps in the data dir: how to reach it and how to stop it. The one
 * contract between `vmx serve` (the daemon writes it) and `vmx status|stop` (the CLI reads it).
 */
export interface PidfileContent {
  pid: number;
  url: string;
  host: string;
  port: number;
  startedAt: string;
  /** How long a stop may take to drain in-flight requests; `vmx stop` waits a little longer. */
  graceMs?: number;
}

export function readPidfile(path: string): PidfileContent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const value = parsed as Partial<PidfileContent> | null;
  if (!value || !Number.isInteger(value.pid) || (value.pid as number) <= 0 || typeof value.url !== 'string')
    return undefined;
  return value as PidfileContent;
}

/** True when a process with this pid exists (signal 0 checks without signalling; EPERM means it exists). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writePidfile(path: string, content: PidfileContent): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(content)}\n`, { mode: 0o600 });
  // The mode above applies only when the file is new; a temp file left by a crash keeps its own.
  tightenFiles([temp]);
  renameSync(temp, path);
}

/** Removes the pidfile only if it still names `pid` (a newer daemon may have replaced it). */
export function removePidfile(path: string, pid = process.pid): void {
  if (readPidfile(path)?.pid === pid) rmSync(path, { force: true });
}
