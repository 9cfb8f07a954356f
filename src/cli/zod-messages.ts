import type { config } from 'zod/mini';

type ErrorMap = NonNullable<NonNullable<Parameters<typeof config>[0]>['localeError']>;
type Issue = Parameters<ErrorMap>[0];

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

/**
 * zod's default messages in the CLI's words, each read after the flag it is about: `expects a
 * number`, `must be at least 1`, `must be one of a, b`. zod's own (`Invalid input: expected number,
 * received NaN`) speak of types and parsing, not of what was typed. A schema's own message (`must be a
 * whole number`) still wins over these.
 */
export const humanIssue: ErrorMap = (issue: Issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expects ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return bound('at least', 'more than', issue.minimum, issue.inclusive, issue.origin);
    case 'too_big':
      return bound('at most', 'less than', issue.maximum, issue.inclusive, issue.origin);
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${String(issue.values[0])}`
        : `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    default:
      return 'is not valid';
  }
};

function bound(
  inclusive: string,
  exclusive: string,
  limit: unknown,
  isInclusive: boolean | undefined,
  origin: string,
): string {
  const unit = origin === 'string' ? ' characters' : origin === 'array' ? ' values' : '';
  if ((origin === 'string' || origin === 'array') && limit === 1 && inclusive === 'at least' && isInclusive !== false)
    return 'must not be empty';
  return `must be ${isInclusive === false ? exclusive : inclusive} ${String(limit)}${unit}`;
}

/**
 * A failed check as one error line naming the flag or argument: `--limit expects a number, got
 * 'abc'` for a value of the wrong kind, else `invalid --limit: must be at least 1`.
 */
export function inputErrorMessage(label: string, message: string, given?: unknown): string {
  if (!message.startsWith('expects ')) return `invalid ${label}: ${message}`;
  const shown = typeof given === 'string' ? `, got '${given}'` : '';
  return `${label} ${message}${shown}`;
}

/**
 * The message of an issue a schema outside the CLI's zod made (the providers' config schemas use
 * zod's classic API and its English messages): a schema's own message as it is, zod's default ones
 * in the CLI's words.
 */
export function issueMessage(issue: { code: string; message: string }): string {
  if (!/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message)) return issue.message;
  return (humanIssue as (issue: unknown) => string)(issue);
}
