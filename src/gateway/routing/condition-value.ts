/**
 * Comparators, value types and the checks that tie them together. The stored operand is always a
 * string (`value.expression`, as in the original product); these helpers turn it into the typed
 * value once, both to validate user input and to precompile a routing for the evaluator.
 */
import type { Checked } from './expression.js';

export const COMPARATORS = [
  'EQUAL',
  'NOT_EQUAL',
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL',
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL',
  'CONTAINS',
  'NOT_CONTAINS',
  'STARTS_WITH',
  'ENDS_WITH',
  'PATTERN',
  'IN',
  'NOT_IN',
  'EXISTS',
] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const VALUE_TYPES = [
  'string',
  'number',
  'boolean',
  'comma-delimited-list',
  'json-object',
  'json-array',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/**
 * Which value types each comparator accepts. Combinations the original would silently never match
 * (IN with a plain string, PATTERN with a number, …) are rejected up front instead.
 */
export const ALLOWED_VALUE_TYPES: Readonly<Record<Comparator, readonly ValueType[]>> = {
  EQUAL: ['string', 'number', 'boolean', 'json-object', 'json-array'],
  NOT_EQUAL: ['string', 'number', 'boolean', 'json-object', 'json-array'],
  GREATER_THAN: ['number', 'string'],
  GREATER_THAN_OR_EQUAL: ['number', 'string'],
  LESS_THAN: ['number', 'string'],
  LESS_THAN_OR_EQUAL: ['number', 'string'],
  CONTAINS: ['string', 'number', 'boolean'],
  NOT_CONTAINS: ['string', 'number', 'boolean'],
  STARTS_WITH: ['string', 'number', 'boolean'],
  ENDS_WITH: ['string', 'number', 'boolean'],
  PATTERN: ['string'],
  IN: ['comma-delimited-list', 'json-array'],
  NOT_IN: ['comma-delimited-list', 'json-array'],
  EXISTS: VALUE_TYPES,
};

/** A condition's right-hand side as stored. */
export interface ConditionValue {
  type: ValueType;
  expression: string;
}

/** The right-hand side after parsing, ready for comparison. */
export type TypedValue =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'comma-delimited-list'; value: string[] }
  | { type: 'json-object'; value: Record<string, unknown> }
  | { type: 'json-array'; value: unknown[] };

/** `/source/flags` is read as a regex literal; anything else is a bare regex source. */
const REGEX_LITERAL = /^\/(.+)\/([a-z]*)$/s;

/** Splits a pattern value into source and flags (see REGEX_LITERAL). */
export function splitPattern(text: string): { source: string; flags: string; literal: boolean } {
  const literal = REGEX_LITERAL.exec(text);
  return literal
    ? { source: literal[1]!, flags: literal[2]!, literal: true }
    : { source: text, flags: '', literal: false };
}

/**
 * Compiles a PATTERN value. `g` and `y` are dropped: they make `RegExp.test` stateful (lastIndex),
 * which would make the same request match on one call and not on the next.
 */
export function compilePattern(text: string): Checked<RegExp> {
  const { source, flags } = splitPattern(text);
  try {
    return { ok: true, value: new RegExp(source, flags.replace(/[gy]/g, '')) };
  } catch (error) {
    // V8 says "Invalid regular expression: /(/: Unterminated group" or "Invalid flags supplied …".
    const message = (error as Error).message;
    return { ok: false, error: message.charAt(0).toLowerCase() + message.slice(1) };
  }
}

/** Parses a stored value by its type; the error says what the expression must look like. */
export function parseValue(value: ConditionValue): Checked<TypedValue> {
  const text = value.expression;
  switch (value.type) {
    case 'string':
      return { ok: true, value: { type: 'string', value: text } };
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) return { ok: false, error: `must be a number, got '${text}'` };
      return { ok: true, value: { type: 'number', value: n } };
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') return { ok: false, error: `must be true or false, got '${text}'` };
      return { ok: true, value: { type: 'boolean', value: text === 'true' } };
    case 'comma-delimited-list':
      return { ok: true, value: { type: 'comma-delimited-list', value: splitList(text) } };
    case 'json-object':
    case 'json-array': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return { ok: false, error: `must be JSON: ${(error as Error).message}` };
      }
      if (value.type === 'json-array') {
        if (!Array.isArray(parsed)) return { ok: false, error: 'must be a JSON array' };
        return { ok: true, value: { type: 'json-array', value: parsed } };
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return { ok: false, error: 'must be a JSON object' };
      }
      return { ok: true, value: { type: 'json-object', value: parsed as Record<string, unknown> } };
    }
  }
}

/** Items of a comma-delimited list, trimmed, empty items dropped (`"a, b,"` → `["a", "b"]`). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A problem with a condition's value: which field of `value` is wrong, and why. */
export interface ValueProblem {
  field?: 'type' | 'expression';
  message: string;
}

/**
 * Checks a condition's comparator/value pair; returns the first problem, or undefined when it is fine.
 * EXISTS ignores its value (the original needed a dummy one), so anything or nothing passes.
 */
export function checkConditionValue(
  comparator: Comparator,
  value: ConditionValue | undefined,
): ValueProblem | undefined {
  if (comparator === 'EXISTS') return undefined;
  if (!value) return { message: `is required for ${comparator}` };
  const allowed = ALLOWED_VALUE_TYPES[comparator];
  if (!allowed.includes(value.type)) {
    const expected = allowed.map((t) => `'${t}'`).join(' or ');
    return { field: 'type', message: `'${value.type}' does not work with ${comparator}; use ${expected}` };
  }
  const parsed = parseValue(value);
  if (!parsed.ok) return { field: 'expression', message: parsed.error };
  if (comparator === 'PATTERN') {
    const pattern = compilePattern(value.expression);
    if (!pattern.ok) return { field: 'expression', message: pattern.error };
  }
  return undefined;
}
