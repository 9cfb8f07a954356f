import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AgentRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Long enough for a cold start of either CLI on a slow machine; a hung agent fails the case instead of the run. */
export const AGENT_RUN_TIMEOUT_MS = 150_000;

/**
 * Runs an agent CLI to completion with exactly `env` (nothing of the caller's environment but what is passed:
 * no API key or config of the user's leaks in) and no stdin (`codex exec` would wait to read a prompt from it).
 * It gets its own process group, so a timeout ends the native binaries the npm launchers start too.
 */
export function runAgent(
  bin: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, AGENT_RUN_TIMEOUT_MS);
    child.on('error', (error) => (clearTimeout(timer), reject(error)));
    child.on('close', (code, signal) => (clearTimeout(timer), resolve({ code, signal, stdout, stderr, timedOut })));
  });
}

/** One run's private directories: HOME, the agent's config dir, TMPDIR and the working dir. */
export interface Sandbox {
  home: string;
  config: string;
  tmp: string;
  work: string;
  remove(): void;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'vmx-agent-run-'));
  const dir = (name: string) => {
    const path = join(root, name);
    mkdirSync(path);
    return path;
  };
  return {
    home: dir('home'),
    config: dir('config'),
    tmp: dir('tmp'),
    work: dir('work'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** What a failed assertion should show: how the agent ended, what it said and, when known, what vmx answered it. */
export function describeRun(run: AgentRun, answered: string[] = []): string {
  const ended = run.timedOut ? 'timed out' : `exit ${run.code ?? run.signal}`;
  const vmx = answered.length ? `\n--- vmx answered ---\n${answered.join('\n')}` : '';
  return `${ended}${vmx}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr.slice(-4000)}`;
}
