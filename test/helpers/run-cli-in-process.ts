import { Readable } from 'node:stream';
import type { CliDeps } from '../../src/cli/context.js';
import type { Prompter } from '../../src/cli/io/prompter.js';
import { main } from '../../src/cli/main.js';
import { FakeKeyring, messages } from '../store/credentials/fakes.js';
import type { CliResult } from './run-cli.js';

export type { CliResult } from './run-cli.js';

/**
 * A keychain that answers like a machine without one (no session bus): `auto` then announces the 0600
 * file, as a spawned CLI without DBUS_SESSION_BUS_ADDRESS does, and no in-process test can reach the
 * developer's real keychain (test/keychain opts in on its own).
 */
function noKeychain(): FakeKeyring {
  const keyring = new FakeKeyring();
  keyring.failOpen = messages.noBus;
  return keyring;
}

/** Without a TTY nothing may be asked: a prompt reaching this is a bug in the command. */
const noPrompts: Prompter = {
  input: async (message) => {
    throw new Error(`prompted without a TTY: ${message}`);
  },
  select: async (message) => {
    throw new Error(`prompted without a TTY: ${message}`);
  },
  confirm: async (message) => {
    throw new Error(`prompted without a TTY: ${message}`);
  },
  password: async (message) => {
    throw new Error(`prompted without a TTY: ${message}`);
  },
};

/**
 * Runs one CLI invocation in this process through `main(argv, deps)`, as bin/vmx.js would run it in a
 * child without a TTY (see {@link runCli}): the same environment (VMX_HOME, VMX_USER, NO_COLOR, the
 * file credential store, PATH and HOME), `input` on stdin, stdout and stderr captured, the exit code
 * main() returns. What only a real process shows (process exit, signals, TTY detection, several
 * processes at once) stays with test/helpers/run-cli.ts.
 */
export async function runCliInProcess(
  args: string[],
  options: { home: string; user?: string; input?: string; env?: Record<string, string> },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from(options.input ? [Buffer.from(options.input)] : []),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      VMX_HOME: options.home,
      VMX_USER: options.user ?? 'alice',
      NO_COLOR: '1',
      VMX_CREDENTIAL_STORE: 'file',
      ...options.env,
    },
    prompter: noPrompts,
    canPrompt: false,
    keyring: noKeychain(),
  };
  const code = await main(args, deps);
  return {
    code,
    stdout,
    stderr,
    json: () => JSON.parse(stdout),
    error: () => JSON.parse(stderr).error,
  };
}

/** A CLI bound to one data dir and user, for tests that run many commands (in-process {@link runCliInProcess}). */
export function cli(home: string, user = 'alice') {
  return (args: string | string[], extra: { user?: string; input?: string; env?: Record<string, string> } = {}) =>
    runCliInProcess(typeof args === 'string' ? args.split(' ') : args, { home, user, ...extra });
}
