import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../../bin/vmx.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON. */
  json<T = any>(): T;
  /** stderr parsed as the JSON error of `--json` mode. */
  error(): { code: string; message: string };
}

/**
 * Runs the real bin/vmx.js in a child process, without a TTY, against `home`.
 * `user` sets VMX_USER (the acting user); `input` is written to stdin.
 */
export function runCli(
  args: string[],
  options: { home: string; user?: string; input?: string; env?: Record<string, string> },
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [binPath, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          VMX_HOME: options.home,
          VMX_USER: options.user ?? 'alice',
          NO_COLOR: '1',
          // Never the developer's real keychain: the keychain suite (test/keychain) opts in on its own.
          VMX_CREDENTIAL_STORE: 'file',
          ...options.env,
        },
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          json: () => JSON.parse(stdout),
          error: () => JSON.parse(stderr).error,
        });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** A CLI bound to one data dir and user, for tests that run many commands. */
export function cli(home: string, user = 'alice') {
  return (args: string | string[], extra: { user?: string; input?: string; env?: Record<string, string> } = {}) =>
    runCli(typeof args === 'string' ? args.split(' ') : args, { home, user, ...extra });
}
