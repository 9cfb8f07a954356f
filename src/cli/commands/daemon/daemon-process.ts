import { rmSync } from 'node:fs';
import type { DataPaths } from '../../../config.js';
import { isAlive, readPidfile, type PidfileContent } from '../../../pidfile.js';

export type DaemonPidfile = PidfileContent;
export { isAlive, readPidfile };

/**
 * The daemon running for this data dir, or undefined. A pidfile naming a dead process is stale (the
 * daemon was killed) and is removed — but only if it still names that pid, so a daemon starting at
 * this very moment keeps its own.
 */
export function runningDaemon(paths: DataPaths): DaemonPidfile | undefined {
  const found = readPidfile(paths.pidfile);
  if (!found) return undefined;
  if (isAlive(found.pid)) return found;
  if (readPidfile(paths.pidfile)?.pid === found.pid) rmSync(paths.pidfile, { force: true });
  return undefined;
}

/** GET a JSON document from the daemon; a daemon that does not answer within `timeoutMs` is an error. */
export async function getJson<T>(url: string, timeoutMs = 2_000): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  return (await response.json()) as T;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `1h 2m 3s` from milliseconds, for people. */
export function formatUptime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const parts: string[] = [];
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}
