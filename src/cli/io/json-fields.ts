import { UsageError } from '../../errors.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `--json id,name`, as gh reads it: only the named fields of the object, or of each object of an
 * array, in the order named. A field the output does not have is a usage error listing those it has.
 */
export function selectFields(value: unknown, fields: string[]): unknown {
  const objects = Array.isArray(value) ? value.filter(isRecord) : isRecord(value) ? [value] : [];
  const available = [...new Set(objects.flatMap((object) => Object.keys(object)))];
  // An empty list has no fields to check against: it stays empty whatever was named.
  if (objects.length > 0) {
    const unknown = fields.filter((field) => !available.includes(field));
    if (unknown.length > 0) {
      const names = unknown.map((field) => `'${field}'`).join(', ');
      throw new UsageError(
        `unknown --json field${unknown.length > 1 ? 's' : ''} ${names}; available: ${available.join(', ')}`,
      );
    }
  }
  const pick = (object: unknown) =>
    isRecord(object) ? Object.fromEntries(fields.filter((f) => f in object).map((f) => [f, object[f]])) : object;
  return Array.isArray(value) ? value.map(pick) : pick(value);
}

/** The field names of `--json a,b` (spaces allowed around commas); `--json` alone names none. */
export function parseFieldList(text: string): string[] {
  return text
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
}
