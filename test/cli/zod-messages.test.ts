import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { nameSchema, parseInput } from '../../src/cli/input.js';
import { z } from '../../src/cli/zod.js';

const failure = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no failure');
};

describe('input messages', () => {
  it('say what the flag expects, in the words of the command line', () => {
    const schema = z.object({
      limit: z.coerce.number().check(z.gte(1), z.lte(100)),
      by: z.enum(['hour', 'day']),
      name: nameSchema,
      tags: z.array(z.string()).check(z.minLength(1)),
    });
    const ok = { limit: '5', by: 'hour', name: 'a', tags: ['x'] };
    expect(failure(() => parseInput(schema, { ...ok, limit: 'many' }))).toBe("--limit expects a number, got 'many'");
    expect(failure(() => parseInput(schema, { ...ok, limit: '0' }))).toBe('invalid --limit: must be at least 1');
    expect(failure(() => parseInput(schema, { ...ok, limit: '500' }))).toBe('invalid --limit: must be at most 100');
    expect(failure(() => parseInput(schema, { ...ok, by: 'week' }))).toBe('invalid --by: must be one of hour, day');
    expect(failure(() => parseInput(schema, { ...ok, name: '' }, { name: '<name>' }))).toBe(
      'invalid <name>: must not be empty',
    );
    expect(failure(() => parseInput(schema, { ...ok, tags: [] }))).toBe('invalid --tags: must not be empty');
    expect(failure(() => parseInput(schema, { ...ok, tags: 'x' }))).toBe("--tags expects a list, got 'x'");
  });
});
