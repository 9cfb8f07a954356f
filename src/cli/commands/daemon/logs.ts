import type { CliContext } from '../../context.js';
import { defineVerb, flag, toggle } from '../../verb.js';
import { readAppended, readTail } from './log-file.js';
import { prettyLogLine } from './log-format.js';

const FOLLOW_POLL_MS = 200;

export const verb = defineVerb({
  flags: {
    follow: toggle('-f, --follow', 'keep printing new lines until interrupted'),
    lines: flag(
      '-n, --lines <count>',
      'how many of the last lines to print',
      (z) => z.coerce.number().check(z.int('must be a whole number'), z.gte(0, 'must not be negative')),
      { default: 50 },
    ),
  },
  async run(input, ctx) {
    const path = ctx.paths.log;
    const print = printer(ctx);
    const tail = readTail(path, input.lines);
    if (!input.follow) {
      if (tail.offset === 0 && !tail.partial && !ctx.out.json) ctx.deps.stderr.write(`no log yet at ${path}\n`);
      tail.lines.forEach(print);
      if (tail.partial && input.lines > 0) print(tail.partial);
      return;
    }
    tail.lines.forEach(print);
    await follow(path, tail.offset, print);
  },
});

/** Pretty lines on a terminal; elsewhere (pipes, --json) the JSON lines as they are. */
function printer(ctx: CliContext): (line: string) => void {
  const stdout = ctx.deps.stdout;
  if (ctx.out.json || !stdout.isTTY) return (line) => stdout.write(`${line}\n`);
  const color = ctx.flags.color !== false && !ctx.deps.env.NO_COLOR;
  return (line) => stdout.write(`${prettyLogLine(line, color)}\n`);
}

/** Prints lines as they are appended until SIGINT/SIGTERM; a log that does not exist yet is waited for. */
async function follow(path: string, offset: number, print: (line: string) => void): Promise<void> {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const stop = () => {
    done = true;
    clearTimeout(timer);
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!done) {
      const next = readAppended(path, offset);
      offset = next.offset;
      next.lines.forEach(print);
      if (done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, FOLLOW_POLL_MS);
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
