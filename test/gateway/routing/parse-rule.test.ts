import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseRule } from '../../../src/gateway/routing/parse-rule.js';

const condition = (expression: string, comparator: string, type?: string, value?: string) => ({
  type: 'condition',
  expression,
  comparator,
  ...(type !== undefined && { value: { type, expression: value } }),
});

describe('the CLI.md examples', () => {
  const examples: [string, unknown][] = [
    [
      'tokens.input < 100 -> groq/llama-3.1-8b-instant',
      {
        type: 'group',
        operator: 'AND',
        conditions: [condition('tokens.input', 'LESS_THAN', 'number', '100')],
        action: 'CALL_MODEL',
        then: { connection: 'groq', model: 'llama-3.1-8b-instant' },
      },
    ],
    [
      'request.toolsCount > 0 -> openai/gpt-4o',
      {
        type: 'group',
        operator: 'AND',
        conditions: [condition('request.toolsCount', 'GREATER_THAN', 'number', '0')],
        action: 'CALL_MODEL',
        then: { connection: 'openai', model: 'gpt-4o' },
      },
    ],
    [
      'request.lastMessage.content contains "urgent" -> anthropic/claude-sonnet-4-5 @ 50%',
      {
        type: 'group',
        operator: 'AND',
        conditions: [condition('request.lastMessage.content', 'CONTAINS', 'string', 'urgent')],
        action: 'CALL_MODEL',
        then: { connection: 'anthropic', model: 'claude-sonnet-4-5', traffic: 50 },
      },
    ],
    [
      'errorRate(5) > 10 -> groq/llama-3.3-70b',
      {
        type: 'group',
        operator: 'AND',
        conditions: [condition('errorRate(5)', 'GREATER_THAN', 'number', '10')],
        action: 'CALL_MODEL',
        then: { connection: 'groq', model: 'llama-3.3-70b' },
      },
    ],
    [
      'request.allMessagesContent matches /ssn|password/i -> block',
      {
        type: 'group',
        operator: 'AND',
        conditions: [condition('request.allMessagesContent', 'PATTERN', 'string', '/ssn|password/i')],
        action: 'BLOCK',
      },
    ],
  ];
  it.each(examples)('%s', (rule, expected) => {
    expect(parseRule(rule)).toStrictEqual(expected);
  });
});

describe('operators and values', () => {
  // [condition text, comparator, value type, stored value expression]
  const table: [string, string, string?, string?][] = [
    ['request.x == "a b"', 'EQUAL', 'string', 'a b'],
    ["request.x = 'it\\'s'", 'EQUAL', 'string', "it's"],
    ['request.x != 1.50', 'NOT_EQUAL', 'number', '1.5'],
    ['request.x == -3', 'EQUAL', 'number', '-3'],
    ['request.x == true', 'EQUAL', 'boolean', 'true'],
    ['request.x != FALSE', 'NOT_EQUAL', 'boolean', 'false'],
    ['request.x == "100"', 'EQUAL', 'string', '100'],
    ['request.x == [1, "a"]', 'EQUAL', 'json-array', '[1,"a"]'],
    ['request.x == {"a": [1, {"b": null}]}', 'EQUAL', 'json-object', '{"a":[1,{"b":null}]}'],
    ['request.x > 10', 'GREATER_THAN', 'number', '10'],
    ['request.x >= 1e3', 'GREATER_THAN_OR_EQUAL', 'number', '1000'],
    ['request.x < .5', 'LESS_THAN', 'number', '0.5'],
    ['request.x <= "2024-01-01"', 'LESS_THAN_OR_EQUAL', 'string', '2024-01-01'],
    ['request.x contains "urgent"', 'CONTAINS', 'string', 'urgent'],
    ['request.x CONTAINS 42', 'CONTAINS', 'number', '42'],
    ['request.x not contains "a\\nb"', 'NOT_CONTAINS', 'string', 'a\nb'],
    ['request.x Not   Contains "#tag"', 'NOT_CONTAINS', 'string', '#tag'],
    ['request.x startswith "gpt-"', 'STARTS_WITH', 'string', 'gpt-'],
    ['request.x endswith "-mini"', 'ENDS_WITH', 'string', '-mini'],
    ['request.x matches /a\\/b[/]c/gi', 'PATTERN', 'string', '/a\\/b[/]c/gi'],
    ['request.x matches "ssn"', 'PATTERN', 'string', 'ssn'],
    ['request.x in [a, b]', 'IN', 'comma-delimited-list', 'a,b'],
    [
      'request.x in ["gpt-4o", gpt-4o-mini, openai/gpt-oss-20b]',
      'IN',
      'comma-delimited-list',
      'gpt-4o,gpt-4o-mini,openai/gpt-oss-20b',
    ],
    ['request.x in [a, "b", 3]', 'IN', 'json-array', '["a","b",3]'],
    ['request.x not in ["a,b", c]', 'NOT_IN', 'json-array', '["a,b","c"]'],
    ['request.x in [" a", true, null]', 'IN', 'json-array', '[" a",true,null]'],
    ['request.x in []', 'IN', 'json-array', '[]'],
    ['request.x exists', 'EXISTS'],
    ['request.x EXISTS', 'EXISTS'],
    ['tokens.input<100', 'LESS_THAN', 'number', '100'],
    ['errorRate( 10 , 429 ) > 5', 'GREATER_THAN', 'number', '5'],
  ];
  it.each(table)('%s', (text, comparator, type, value) => {
    const group = parseRule(`${text} -> oa/gpt-4o`);
    expect(group.conditions).toHaveLength(1);
    expect(group.conditions[0]).toMatchObject({ type: 'condition', comparator });
    expect((group.conditions[0] as { value?: unknown }).value).toStrictEqual(
      type === undefined ? undefined : { type, expression: value },
    );
  });

  it('normalises errorRate arguments', () => {
    expect(parseRule('errorRate( 10 , 429 ) > 5 -> a/b').conditions[0]).toMatchObject({
      expression: 'errorRate(10, 429)',
    });
    expect(parseRule("errorRate(10, 'any') > 5 -> a/b").conditions[0]).toMatchObject({ expression: 'errorRate(10)' });
  });
});

describe('and / or / parentheses', () => {
  const a = condition('request.a', 'EXISTS');
  const b = condition('request.b', 'EXISTS');
  const c = condition('request.c', 'EXISTS');
  const nested = (operator: string, conditions: unknown[]) => ({
    type: 'group',
    operator,
    conditions,
    action: 'CALL_MODEL',
  });
  const table: [string, string, unknown[]][] = [
    ['request.a exists and request.b exists', 'AND', [a, b]],
    ['request.a exists AND request.b exists And request.c exists', 'AND', [a, b, c]],
    ['request.a exists or request.b exists', 'OR', [a, b]],
    ['(request.a exists or request.b exists)', 'OR', [a, b]],
    ['((request.a exists))', 'AND', [a]],
    ['(request.a exists or request.b exists) and request.c exists', 'AND', [nested('OR', [a, b]), c]],
    ['request.a exists or (request.b exists and request.c exists)', 'OR', [a, nested('AND', [b, c])]],
    [
      '(request.a exists and (request.b exists or request.c exists)) or request.c exists',
      'OR',
      [nested('AND', [a, nested('OR', [b, c])]), c],
    ],
    ['always', 'AND', []],
    ['never', 'OR', []],
    ['request.a exists and always', 'AND', [a, nested('AND', [])]],
  ];
  it.each(table)('%s', (expression, operator, conditions) => {
    expect(parseRule(`${expression} -> oa/gpt-4o`)).toStrictEqual({
      type: 'group',
      operator,
      conditions,
      action: 'CALL_MODEL',
      then: { connection: 'oa', model: 'gpt-4o' },
    });
  });
});

describe('targets', () => {
  const table: [string, Record<string, unknown>][] = [
    ['-> groq/openai/gpt-oss-20b', { action: 'CALL_MODEL', then: { connection: 'groq', model: 'openai/gpt-oss-20b' } }],
    [
      '-> bedrock/anthropic.claude-3-haiku-20240307-v1:0',
      { action: 'CALL_MODEL', then: { connection: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0' } },
    ],
    [
      '->vertex/claude-3@20240229 @12.5',
      { action: 'CALL_MODEL', then: { connection: 'vertex', model: 'claude-3@20240229', traffic: 12.5 } },
    ],
    [
      '-> oa/gpt-4o @ 100 % # all of it',
      { description: 'all of it', action: 'CALL_MODEL', then: { connection: 'oa', model: 'gpt-4o', traffic: 100 } },
    ],
    ['-> BLOCK   #   no secrets here  ', { description: 'no secrets here', action: 'BLOCK' }],
    ['-> block #', { action: 'BLOCK' }],
  ];
  it.each(table)('%s', (target, expected) => {
    expect(parseRule(`request.a exists ${target}`)).toStrictEqual({
      type: 'group',
      operator: 'AND',
      conditions: [condition('request.a', 'EXISTS')],
      ...expected,
    });
  });
});

describe('syntax errors point at the column', () => {
  const table: [string, string][] = [
    [
      'tokens.input 100 -> x',
      'invalid --route at column 14: expected a comparison operator\n  tokens.input 100 -> x\n               ^',
    ],
    [
      '',
      'invalid --route at column 1: empty rule; expected e.g. tokens.input < 100 -> groq/llama-3.1-8b-instant\n  \n  ^',
    ],
    [
      'token.input < 1 -> a/b',
      "invalid --route at column 1: unknown variable 'token': use request.*, tokens.input, resource.* or errorRate(window[, status])\n  token.input < 1 -> a/b\n  ^",
    ],
    [
      'tokens.input < -> a/b',
      "invalid --route at column 16: expected a value after '<'\n  tokens.input < -> a/b\n                 ^",
    ],
    [
      'tokens.input < 1 and request.a exists or request.b exists -> a/b',
      "invalid --route at column 39: 'and' and 'or' cannot be mixed without parentheses\n  tokens.input < 1 and request.a exists or request.b exists -> a/b\n                                        ^",
    ],
    [
      '(tokens.input < 1 -> a/b',
      "invalid --route at column 19: expected ')' to close the '(' at column 1\n  (tokens.input < 1 -> a/b\n                    ^",
    ],
    [
      'tokens.input < 1',
      "invalid --route at column 17: expected '->' and a target\n  tokens.input < 1\n                  ^",
    ],
    [
      'tokens.input < 1 a/b',
      "invalid --route at column 18: expected 'and', 'or' or '->'\n  tokens.input < 1 a/b\n                   ^",
    ],
    [
      'tokens.input < 1 ->',
      "invalid --route at column 20: expected a target after '->': <connection>/<model> or block\n  tokens.input < 1 ->\n                     ^",
    ],
    [
      'tokens.input < 1 -> gpt-4o',
      'invalid --route at column 21: expected <connection>/<model> (e.g. openai/gpt-4o) or block\n  tokens.input < 1 -> gpt-4o\n                      ^',
    ],
    [
      'tokens.input < 1 -> oa/',
      "invalid --route at column 24: expected a model after '/'\n  tokens.input < 1 -> oa/\n                         ^",
    ],
    [
      'tokens.input < 1 -> oa/m @ 0%',
      'invalid --route at column 28: traffic must be between 1 and 100 (percent)\n  tokens.input < 1 -> oa/m @ 0%\n                             ^',
    ],
    [
      'tokens.input < 1 -> oa/m @ half',
      'invalid --route at column 28: expected a traffic share such as @ 50%\n  tokens.input < 1 -> oa/m @ half\n                             ^',
    ],
    [
      'tokens.input < 1 -> block @ 5%',
      'invalid --route at column 27: a block rule takes no traffic share\n  tokens.input < 1 -> block @ 5%\n                            ^',
    ],
    [
      'tokens.input < 1 -> oa/m later',
      "invalid --route at column 26: expected the end of the rule, '@ N%' or '# description'\n  tokens.input < 1 -> oa/m later\n                           ^",
    ],
    [
      'request.x matches /(/ -> block',
      'invalid --route at column 19: invalid regular expression: /(/: Unterminated group\n  request.x matches /(/ -> block\n                    ^',
    ],
    [
      'request.x matches /ab -> block',
      'invalid --route at column 19: unterminated /regex/: add the closing /\n  request.x matches /ab -> block\n                    ^',
    ],
    [
      'request.x == /a/ -> block',
      "invalid --route at column 14: a /regex/ only goes with 'matches', not '=='\n  request.x == /a/ -> block\n               ^",
    ],
    [
      'request.x matches 5 -> block',
      "invalid --route at column 19: expected a /regex/ or a quoted string after 'matches'\n  request.x matches 5 -> block\n                    ^",
    ],
    [
      'request.x in "a" -> block',
      'invalid --route at column 14: expected a [list] after \'in\'\n  request.x in "a" -> block\n               ^',
    ],
    [
      'request.x > true -> block',
      "invalid --route at column 13: true/false does not work with '>'\n  request.x > true -> block\n              ^",
    ],
    [
      'request.x contains [a] -> block',
      "invalid --route at column 20: a [list] does not work with 'contains'\n  request.x contains [a] -> block\n                     ^",
    ],
    [
      'request.x == chat -> block',
      "invalid --route at column 14: expected a value after '=='\n  request.x == chat -> block\n               ^",
    ],
    [
      'request.x == "chat -> block',
      'invalid --route at column 14: unterminated string: add the closing "\n  request.x == "chat -> block\n               ^',
    ],
    [
      'request.x matches "\\d+" -> block',
      'invalid --route at column 19: invalid escape in string: write \\\\ for a backslash, or use a /regex/\n  request.x matches "\\d+" -> block\n                    ^',
    ],
    [
      'request.x in [a, b -> block',
      "invalid --route at column 20: expected ',' or ']' in the list\n  request.x in [a, b -> block\n                     ^",
    ],
    [
      'request.x not like "a" -> block',
      "invalid --route at column 15: expected 'contains' or 'in' after 'not'\n  request.x not like \"a\" -> block\n                ^",
    ],
    [
      'request.x == {"a": } -> block',
      'invalid --route at column 14: invalid JSON object: Unexpected token \'}\', "{"a": }" is not valid JSON\n  request.x == {"a": } -> block\n               ^',
    ],
    [
      'errorRate(5 > 1 -> block',
      "invalid --route at column 1: 'errorRate(5 > 1 -> block': expected errorRate(window) or errorRate(window, status)\n  errorRate(5 > 1 -> block\n  ^",
    ],
  ];
  it.each(table)('%j', (rule, message) => {
    let caught: unknown;
    try {
      parseRule(rule);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(message);
  });

  it('names the flag it was given and lists the operators as a hint', () => {
    let caught: UsageError | undefined;
    try {
      parseRule('tokens.input ~ 1 -> a/b', 'route #2');
    } catch (error) {
      caught = error as UsageError;
    }
    expect(caught?.message.split('\n')[0]).toBe('invalid route #2 at column 14: expected a comparison operator');
    expect(caught?.hint).toBe(
      'operators: == != > >= < <= contains, not contains, startswith, endswith, matches, in, not in, exists',
    );
  });

  it('shows a window of a long rule with the caret still under the problem', () => {
    const rule = `request.lastMessage.content contains "${'x'.repeat(80)}" and tokens.input ? 5 -> oa/gpt-4o`;
    let message = '';
    try {
      parseRule(rule);
    } catch (error) {
      message = (error as Error).message;
    }
    const [first, line, caret] = message.split('\n') as [string, string, string];
    const column = Number(/column (\d+)/.exec(first)![1]);
    expect(rule.charAt(column - 1)).toBe('?');
    expect(line.length).toBeLessThanOrEqual(2 + 72 + 2);
    expect(line.startsWith('  …')).toBe(true);
    expect(line.charAt(caret.indexOf('^'))).toBe('?');
  });
});
