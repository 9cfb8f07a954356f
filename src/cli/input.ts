import { z } from 'zod';
import { UsageError } from '../errors.js';

/** Names of workspaces, environments and everything below: they appear in URLs and in `ws/env` context strings. */
export const nameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "must start with a letter or digit and use only letters, digits, '.', '_' or '-'",
  );

export const userSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\s/]+$/, 'must not contain spaces or slashes');

/**
 * Validates input against a zod schema and turns the first failure into a usage error that names the
 * flag or argument (`labels` maps a field to how the user typed it, e.g. `{ name: '<name>' }`).
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  labels: Record<string, string> = {},
): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const label = labels[field] ?? (field ? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'input');
  throw new UsageError(`invalid ${label}: ${issue.message}`);
}
