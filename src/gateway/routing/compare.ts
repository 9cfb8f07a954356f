/**
 * Condition semantics: one comparator and one typed value become a test of the left value, built once
 * per routing. This follows the original product (§1.6 of the reference) with its quirks fixed: a
 * missing left value is undefined (not the text "undefined"), EXISTS ignores its value, numeric
 * comparators compare numbers, PATTERN keeps its flags.
 */
import { RuntimeError } from '../../errors.js';
import {
  compilePattern,
  parseValue,
  type Comparator,
  type ConditionValue,
  type TypedValue,
} from './condition-value.js';

/** A compiled condition minus its left-hand side. */
export type Test = (left: unknown) => boolean;

const NEGATED: Partial<Record<Comparator, Comparator>> = { NOT_EQUAL: 'EQUAL', NOT_CONTAINS: 'CONTAINS', NOT_IN: 'IN' };

/**
 * Builds the test for a comparator and its stored value. The negated comparators are exact negations,
 * so a missing left value is "not equal", "not contains" and "not in". Throws RuntimeError for a pair the
 * schema would have rejected.
 */
export function compileTest(comparator: Comparator, stored: ConditionValue | undefined): Test {
  if (comparator === 'EXISTS') return isPresent;
  if (!stored) return invalid(`${comparator} needs a value`);
  const parsed = parseValue(stored);
  if (!parsed.ok) return invalid(parsed.error);
  const positive = NEGATED[comparator];
  if (positive) {
    const test = compilePositive(positive, parsed.value, stored.expression);
    return (left) => !test(left);
  }
  return compilePositive(comparator, parsed.value, stored.expression);
}

function compilePositive(comparator: Comparator, value: TypedValue, expression: string): Test {
  switch (comparator) {
    case 'EQUAL':
      return equalTest(value);
    case 'GREATER_THAN':
    case 'GREATER_THAN_OR_EQUAL':
    case 'LESS_THAN':
    case 'LESS_THAN_OR_EQUAL':
      return orderTest(comparator, value);
    case 'CONTAINS':
    case 'STARTS_WITH':
    case 'ENDS_WITH': {
      const needle = String(value.value);
      const method = comparator === 'STARTS_WITH' ? 'startsWith' : comparator === 'ENDS_WITH' ? 'endsWith' : 'includes';
      return (left) => {
        const text = toText(left);
        return text !== undefined && text[method](needle);
      };
    }
    case 'PATTERN': {
      const pattern = compilePattern(expression);
      if (!pattern.ok) return invalid(pattern.error);
      const regex = pattern.value;
      return (left) => {
        const text = toText(left);
        return text !== undefined && regex.test(text);
      };
    }
    case 'IN':
      return membershipTest(value);
    default:
      return invalid(`unexpected comparator ${comparator}`);
  }
}

function equalTest(value: TypedValue): Test {
  switch (value.type) {
    case 'number':
      return (left) => toNumber(left) === value.value;
    case 'string':
    case 'boolean': {
      const expected = String(value.value);
      return (left) => toText(left) === expected;
    }
    case 'json-object':
    case 'json-array':
      return (left) => deepEqual(left, value.value);
    case 'comma-delimited-list':
      return invalid('EQUAL does not take a comma-delimited-list');
  }
}

type OrderComparator = 'GREATER_THAN' | 'GREATER_THAN_OR_EQUAL' | 'LESS_THAN' | 'LESS_THAN_OR_EQUAL';

function orderTest(comparator: OrderComparator, value: TypedValue): Test {
  const order =
    comparator === 'GREATER_THAN'
      ? 1
      : comparator === 'GREATER_THAN_OR_EQUAL'
        ? 0
        : comparator === 'LESS_THAN'
          ? -1
          : -2;
  const holds = <T extends number | string>(a: T, b: T): boolean =>
    order === 1 ? a > b : order === 0 ? a >= b : order === -1 ? a < b : a <= b;
  if (value.type === 'number') {
    const right = value.value;
    return (left) => {
      const number = toNumber(left);
      return number !== undefined && holds(number, right);
    };
  }
  if (value.type !== 'string') return invalid(`${comparator} takes a number or a string`);
  // String values compare lexicographically, as in the original (e.g. ISO dates).
  const right = value.value;
  return (left) => {
    const text = toText(left);
    return text !== undefined && holds(text, right);
  };
}

function membershipTest(value: TypedValue): Test {
  if (value.type !== 'comma-delimited-list' && value.type !== 'json-array') return invalid('IN takes a list');
  const scalars = new Set<string>();
  const objects: unknown[] = [];
  for (const item of value.value) {
    if (typeof item === 'object' && item !== null) objects.push(item);
    else scalars.add(String(item));
  }
  return (left) => {
    if (left === undefined || left === null) return false;
    if (typeof left === 'object') return objects.some((item) => deepEqual(left, item));
    return scalars.has(String(left));
  };
}

/** Present = not undefined, null or the empty string (0 and false are values). */
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** The left value as text: strings as they are, numbers/booleans printed, objects and arrays as JSON. */
function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return undefined;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** The left value as a number: numbers, and strings that are entirely a number; anything else is not. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isNaN(number) ? undefined : number;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => deepEqual(item, other[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]))
  );
}

function invalid(message: string): never {
  throw new RuntimeError(`invalid routing: ${message}`);
}
