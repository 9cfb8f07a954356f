import { spawn } from '../child-process.js';

/** The pager of `git` and `gh`: quits at once if the text fits (-F), keeps colours (-R), leaves the screen as it is (-X). */
const DEFAULT_PAGER = 'less -FRX';

/**
 * The pager command for a terminal: `VMX_PAGER`, else `PAGER`, else `less -FRX`; undefined when
 * paging is off (`--no-pager`, or a pager set to nothing or to `cat`).
 */
export function pagerCommand(env: NodeJS.ProcessEnv, enabled: boolean): string | undefined {
  if (!enabled) return undefined;
  const command = (env.VMX_PAGER ?? env.PAGER ?? DEFAULT_PAGER).trim();
  return command === '' || command === 'cat' ? undefined : command;
}

/**
 * Shows `text` through the pager, which reads it on stdin and draws on the terminal, and resolves once
 * the pager has ended. A pager that cannot be started (not installed: the shell exits with 127)
 * leaves the text to `fallback`; one quit before it read everything is not an error.
 */
export function page(command: string, text: string, env: NodeJS.ProcessEnv, fallback: (text: string) => void) {
  return new Promise<void>((resolve) => {
    // LESS as git sets it, for a PAGER=less without flags.
    const child = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...env } });
    let ended = false;
    const end = (shown: boolean) => {
      if (ended) return;
      ended = true;
      if (!shown) fallback(text);
      resolve();
    };
    child.stdin!.on('error', () => {});
    child.on('error', () => end(false));
    child.on('close', (code) => end(code !== 127));
    child.stdin!.end(text);
  });
}
