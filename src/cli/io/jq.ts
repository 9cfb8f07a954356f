import { RuntimeError, UsageError } from '../../errors.js';

/**
 * `--jq <expr>`: the JSON output filtered by jq itself (jq-wasm, jq compiled to WebAssembly: no jq
 * binary needed), loaded only when --jq is given. As with gh, strings come out raw, other values as
 * JSON: indented on a terminal, one line each in a pipe.
 */
export async function filterWithJq(value: unknown, expression: string, terminal: boolean): Promise<string> {
  const jq = await import('jq-wasm');
  try {
    return await jq.raw(JSON.stringify(value), expression, terminal ? ['-r'] : ['-r', '-c']);
  } catch (error) {
    const message = oneLineJqError((error as Error).message);
    // jq reports a malformed expression as a compile error, before reading any input.
    if (/compile error/.test((error as Error).message)) throw new UsageError(`invalid --jq expression: ${message}`);
    throw new RuntimeError(`--jq: ${message}`);
  }
}

/** jq's first error line without its `jq: error:` prefix and the `(at <stdin>:0)` location of the input. */
function oneLineJqError(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first
    .replace(/^jq: error(?: \(at [^)]*\))?:\s*/, '')
    .replace(/\s*\(Unix shell quoting issues\?\)/, '')
    .replace(/\s*at <top-level>, line \d+:$/, '')
    .trim();
}
