/**
 * The left-hand side of a condition: a dotted path into the evaluation variables, or `errorRate(...)`.
 * Parsed once here so the schema, the one-line parser, the formatter and the evaluator agree on it.
 */

/** A parsed condition expression. */
export type Operand =
  { kind: 'path'; segments: readonly string[] } | { kind: 'errorRate'; windowMinutes: number; status?: number };

/** Either the parsed value or a message saying what is wrong (the caller adds where). */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const ROOTS = ['request', 'tokens', 'resource'];
/** Segments may hold digits (array indexes) and dashes (JSON keys such as `user-id`). */
const PATH = /^[A-Za-z_$][\w$]*(?:\.[\w$-]+)*$/;
const ERROR_RATE = /^errorRate\(\s*([^,()]*?)\s*(?:,\s*([^,()]*?)\s*)?\)$/;
// The original product stores `<% return errorRate(5) %>` (an EJS scriptlet); we accept that exact
// spelling (and the `<%=` output form) without executing anything, and reject every other template.
const TEMPLATE = /^<%[=_-]?\s*(?:return\s+)?(.*?)\s*;?\s*[-_]?%>$/s;

/** Longest error-rate window we accept: the daemon keeps per-minute counters for one day. */
export const MAX_ERROR_RATE_WINDOW = 1440;

const EXPECTED =
  'expected a dotted path (tokens.input, request.lastMessage.content, resource.name, …) or errorRate(window[, status])';

/** Parses a condition expression; the original's `<% return errorRate(N) %>` spelling is accepted. */
export function parseExpression(text: string): Checked<Operand> {
  let source = text.trim();
  if (source.includes('<%')) {
    const template = TEMPLATE.exec(source);
    if (!template || !template[1]!.startsWith('errorRate(')) {
      return fail(
        'template expressions are not supported (vmx never executes templates); use a dotted path or errorRate(N)',
      );
    }
    source = template[1]!;
  }
  if (source.startsWith('errorRate')) return parseErrorRate(source);
  if (!PATH.test(source)) return fail(source === '' ? `must not be empty; ${EXPECTED}` : `'${source}': ${EXPECTED}`);
  const segments = source.split('.');
  const root = segments[0]!;
  if (!ROOTS.includes(root)) {
    return fail(`unknown variable '${root}': use request.*, tokens.input, resource.* or errorRate(window[, status])`);
  }
  if (root === 'tokens' && source !== 'tokens.input') return fail(`'${source}': the token variable is tokens.input`);
  return { ok: true, value: { kind: 'path', segments } };
}

function parseErrorRate(source: string): Checked<Operand> {
  const match = ERROR_RATE.exec(source);
  if (!match) return fail(`'${source}': expected errorRate(window) or errorRate(window, status)`);
  const windowMinutes = Number(match[1]);
  if (!/^\d+$/.test(match[1]!) || windowMinutes < 1 || windowMinutes > MAX_ERROR_RATE_WINDOW) {
    return fail(`errorRate window must be a whole number of minutes from 1 to ${MAX_ERROR_RATE_WINDOW}`);
  }
  const rawStatus = match[2]?.replace(/^(['"])(.*)\1$/, '$2');
  if (rawStatus === undefined || rawStatus === 'any') return { ok: true, value: { kind: 'errorRate', windowMinutes } };
  const status = Number(rawStatus);
  if (!/^\d{3}$/.test(rawStatus) || status < 100 || status > 599) {
    return fail(`errorRate status must be an HTTP status code (100-599) or 'any'`);
  }
  return { ok: true, value: { kind: 'errorRate', windowMinutes, status } };
}

/** The canonical text of an operand: what the store keeps and the one-line form prints. */
export function formatOperand(operand: Operand): string {
  if (operand.kind === 'path') return operand.segments.join('.');
  return operand.status === undefined
    ? `errorRate(${operand.windowMinutes})`
    : `errorRate(${operand.windowMinutes}, ${operand.status})`;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
