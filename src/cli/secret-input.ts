import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { readAll } from './io/stdin.js';

export interface SecretFlags {
  apiKeyStdin?: boolean;
  apiKeyEnv?: string;
}

/**
 * A secret from `--api-key-stdin`, `--api-key-env VAR`, or (on a TTY, when `ask` is given) a hidden
 * prompt — never from a plain argv value. Returns undefined when none was given and none was asked for.
 */
export async function readSecret(ctx: CliContext, flags: SecretFlags, ask?: string): Promise<string | undefined> {
  if (flags.apiKeyStdin && flags.apiKeyEnv)
    throw new UsageError('give the secret one way: --api-key-stdin or --api-key-env');
  if (flags.apiKeyStdin) {
    const text = (await readAll(ctx.deps.stdin)).replace(/\r?\n$/, '');
    if (!text) throw new UsageError('--api-key-stdin: nothing was read from standard input');
    return text;
  }
  if (flags.apiKeyEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.apiKeyEnv)) {
      throw new UsageError(`invalid --api-key-env '${flags.apiKeyEnv}': expected an environment variable name`);
    }
    const value = ctx.deps.env[flags.apiKeyEnv];
    if (!value) throw new UsageError(`--api-key-env: ${flags.apiKeyEnv} is not set or empty`);
    return value;
  }
  if (ask && ctx.canPrompt) {
    const value = await ctx.prompter.password(ask);
    if (!value) throw new UsageError('no secret entered');
    return value;
  }
  return undefined;
}
