import { Command, CommanderError } from 'commander';
import { ExitCode, VmxError } from '../errors.js';
import { processDeps, type CliDeps } from './context.js';
import { endQuietlyWhenReaderCloses } from './io/closed-pipe.js';
import { oneLine, Output } from './io/output.js';
import { buildProgram } from './program.js';

/**
 * Runs one CLI invocation and returns its exit code. This is the one place where errors become exit
 * codes and stderr lines; bin/vmx.js only sets process.exitCode from the result.
 */
export async function main(argv: string[], deps: CliDeps = processDeps()): Promise<number> {
  // Only the process's own streams: tests pass buffers, and a pager's pipe is watched where it is made.
  if (deps.stdout === process.stdout) endQuietlyWhenReaderCloses([process.stdout, process.stderr]);
  // What the completion scripts call on each Tab: not a command people type, so not in the program.
  if (argv[0] === '__complete') {
    const { complete } = await import('./commands/completion/complete.js');
    return complete(argv.slice(1), deps, buildProgram(deps));
  }
  // Errors of a --json or --jq run are JSON too, whatever failed (parsing the line included).
  const json = argv.some((word) => /^--(?:json|jq)(?:=|$)/.test(word));
  const program = buildProgram(deps);
  quietCommander(program, deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    return report(error, new Output(deps.stdout, deps.stderr, json, false));
  }
}

function report(error: unknown, out: Output): number {
  if (error instanceof CommanderError) {
    // Help and --version "fail" with exit code 0; every other commander error is a usage error.
    if (error.exitCode === 0) return ExitCode.ok;
    out.error({ code: 'usage_error', message: oneLine(error.message.replace(/^error:\s*/, '')) });
    return ExitCode.usage;
  }
  if (error instanceof VmxError) {
    out.error(error);
    return error.exitCode;
  }
  out.error({
    code: 'runtime_error',
    message: oneLine(`unexpected failure: ${(error as Error)?.message ?? String(error)}`),
  });
  return ExitCode.failure;
}

/** Commander prints its own errors and exits; here it throws instead and main() does the printing. */
function quietCommander(command: Command, deps: CliDeps): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => deps.stdout.write(text),
    writeErr: (text) => deps.stderr.write(text),
    outputError: () => {},
  });
  for (const sub of command.commands) quietCommander(sub, deps);
}
