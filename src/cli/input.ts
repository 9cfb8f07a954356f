import type { output, ZodMiniType } from 'zod/mini';
import { UsageError } from '../errors.js';
import { z } from './zod.js';
import { inputErrorMessage } from './zod-messages.js';

/** Names of workspaces, environments and everything below: they appear in URLs and in `ws/env` context strings. */
export const nameSchema = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(64, 'must be at most 64 characters'),
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      "must start with a letter or digit and use only letters, digits, '.', '_' or '-'",
    ),
  );

export const userSchema = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(128, 'must be at most 128 characters'),
    z.regex(/^[^\s/]+$/, 'must not contain spaces or slashes'),
  );

/**
 * Validates input against a zod schema and turns the first failure into a usage error that names the
 * flag or argument (`labels` maps a field to how the user typed it, e.g. `{ name: '<name>' }`).
 */
export function parseInput<T extends ZodMiniType>(
  schema: T,
  input: unknown,
  labels: Record<string, string> = {},
): output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const label = labels[field] ?? (field ? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'input');
  const given =
    issue.path.length === 1 && typeof input === 'object' && input
      ? (input as Record<string, unknown>)[field]
      : undefined;
  throw new UsageError(inputErrorMessage(label, issue.message, issue.path.length === 0 ? input : given));
}
