import { describe, expect, it } from 'vitest';
import { formatRule } from '../../../src/gateway/routing/format-rule.js';
import { parseRule } from '../../../src/gateway/routing/parse-rule.js';
import { resolveRouting, type ConnectionInfo } from '../../../src/gateway/routing/resolve.js';
import { parseRoutingDocument, type RouteGroup } from '../../../src/gateway/routing/schema.js';

const connections: ConnectionInfo[] = [
  { id: 'id-groq', name: 'groq', provider: 'groq' },
  { id: 'id-oa', name: 'oa', provider: 'openai' },
];
const byRef = (ref: string) => connections.find((c) => c.id === ref || c.name === ref);
const nameOf = (id: string) => connections.find((c) => c.id === id)?.name;

describe('formatRule ∘ parseRule', () => {
  // [rule as typed, canonical form]; parse(format(parse(typed))) must equal parse(typed) exactly.
  const table: [string, string][] = [
    ['tokens.input < 100 -> groq/llama-3.1-8b-instant', 'tokens.input < 100 -> groq/llama-3.1-8b-instant'],
    ['request.toolsCount > 0 -> openai/gpt-4o', 'request.toolsCount > 0 -> openai/gpt-4o'],
    [
      'request.lastMessage.content contains "urgent" -> anthropic/claude-sonnet-4-5 @ 50%',
      'request.lastMessage.content contains "urgent" -> anthropic/claude-sonnet-4-5 @ 50%',
    ],
    ['errorRate(5) > 10 -> groq/llama-3.3-70b', 'errorRate(5) > 10 -> groq/llama-3.3-70b'],
    [
      'request.allMessagesContent matches /ssn|password/i -> block',
      'request.allMessagesContent matches /ssn|password/i -> block',
    ],
    ['request.x matches "ssn" -> BLOCK # pii', 'request.x matches "ssn" -> block # pii'],
    [
      'request.x = \'a "b"\' AND tokens.input>=1e3 -> oa/m@1',
      'request.x == "a \\"b\\"" and tokens.input >= 1000 -> oa/m@1',
    ],
    [
      'request.x != true or request.y not contains "a\\tb" -> oa/m',
      'request.x != true or request.y not contains "a\\tb" -> oa/m',
    ],
    [
      'request.x startswith 4 and request.y endswith false -> oa/m',
      'request.x startswith 4 and request.y endswith false -> oa/m',
    ],
    ['request.x in [a, "b c", "1"] -> oa/m', 'request.x in [a, "b c", "1"] -> oa/m'],
    [
      'request.x not in [a, 2, true, null, {"k": [1]}] -> oa/m',
      'request.x not in ["a", 2, true, null, {"k":[1]}] -> oa/m',
    ],
    ['request.x == [1, [2]] -> oa/m', 'request.x == [1, [2]] -> oa/m'],
    ['request.x == {"a": 1} -> oa/m', 'request.x == {"a":1} -> oa/m'],
    ['request.x in ["a", "b"] -> oa/m', 'request.x in [a, b] -> oa/m'],
    ['request.x exists -> groq/openai/gpt-oss-20b @ 12.5 %', 'request.x exists -> groq/openai/gpt-oss-20b @ 12.5%'],
    [
      '(request.a exists or request.b exists) and (request.c exists or (request.d exists and request.e exists)) -> oa/m',
      '(request.a exists or request.b exists) and (request.c exists or (request.d exists and request.e exists)) -> oa/m',
    ],
    ['((request.a exists)) -> oa/m', 'request.a exists -> oa/m'],
    ['always -> oa/m @ 10%', 'always -> oa/m @ 10%'],
    ['never -> block', 'never -> block'],
    ['request.a exists or never -> oa/m', 'request.a exists or never -> oa/m'],
    [
      'errorRate(10, 429) >= 2.5 -> bedrock/anthropic.claude-3-haiku-20240307-v1:0',
      'errorRate(10, 429) >= 2.5 -> bedrock/anthropic.claude-3-haiku-20240307-v1:0',
    ],
  ];
  it.each(table)('%s', (typed, canonical) => {
    const parsed = parseRule(typed);
    const formatted = formatRule(parsed);
    expect(formatted).toBe(canonical);
    expect(parseRule(formatted)).toStrictEqual(parsed);
  });

  it('round-trips the stored form through connection names', () => {
    const rule =
      'request.lastMessage.content contains "urgent" and tokens.input > 10 -> groq/llama-3.3-70b @ 50% # urgent';
    const stored = resolveRouting({ enabled: true, conditions: [parseRule(rule)] }, byRef).conditions[0]!;
    expect(stored.then).toStrictEqual({ connectionId: 'id-groq', model: 'llama-3.3-70b', traffic: 50 });
    const text = formatRule(stored, nameOf);
    expect(text).toBe(rule);
    expect(resolveRouting({ enabled: true, conditions: [parseRule(text)] }, byRef).conditions[0]).toStrictEqual(stored);
  });
});

describe('formatRule of groups the one-line form cannot carry exactly', () => {
  const stored = (doc: unknown): RouteGroup => resolveRouting(parseRoutingDocument(doc), byRef).conditions[0]!;

  it('prints the id when the connection name is unknown, and leaves out ids and labels', () => {
    const group = stored([
      {
        type: 'group',
        id: 'g1',
        operator: 'AND',
        conditions: [
          {
            type: 'condition',
            id: 'c1',
            label: 'big',
            expression: 'tokens.input',
            comparator: 'GREATER_THAN',
            value: { type: 'number', expression: '1000' },
          },
        ],
        then: { connection: 'oa', model: 'gpt-4o' },
      },
    ]);
    expect(formatRule(group, () => undefined)).toBe('tokens.input > 1000 -> id-oa/gpt-4o');
    expect(formatRule(group, nameOf)).toBe('tokens.input > 1000 -> oa/gpt-4o');
  });

  it('omits disabled sub-groups, as the evaluator does, and writes equivalent forms of file-only values', () => {
    const group = stored([
      {
        type: 'group',
        operator: 'OR',
        conditions: [
          {
            type: 'group',
            enabled: false,
            operator: 'AND',
            conditions: [{ type: 'condition', expression: 'request.a', comparator: 'EXISTS' }],
          },
          {
            type: 'group',
            operator: 'AND',
            conditions: [
              {
                type: 'condition',
                expression: 'request.b',
                comparator: 'EXISTS',
                value: { type: 'string', expression: 'dummy' },
              },
            ],
          },
          {
            type: 'condition',
            expression: 'request.c',
            comparator: 'IN',
            value: { type: 'comma-delimited-list', expression: ' x, 2 ,y z,' },
          },
          {
            type: 'condition',
            expression: 'request.d',
            comparator: 'IN',
            value: { type: 'json-array', expression: '["p","q"]' },
          },
          {
            type: 'condition',
            expression: '<% return errorRate(5) %>',
            comparator: 'GREATER_THAN',
            value: { type: 'number', expression: '010' },
          },
        ],
        action: 'BLOCK',
        description: 'multi\nline',
      },
    ]);
    const text = formatRule(group, nameOf);
    expect(text).toBe(
      'request.b exists or request.c in [x, "2", "y z"] or request.d in ["p", "q"] or errorRate(5) > 10 -> block # multi line',
    );
    const reparsed = resolveRouting({ enabled: true, conditions: [parseRule(text)] }, byRef).conditions[0]!;
    expect(reparsed.conditions).toHaveLength(4);
    expect(reparsed.conditions[1]).toStrictEqual({
      type: 'condition',
      expression: 'request.c',
      comparator: 'IN',
      value: { type: 'comma-delimited-list', expression: 'x,2,y z' },
    });
  });

  it('writes an empty nested group as always/never', () => {
    const group = stored([
      {
        type: 'group',
        operator: 'AND',
        conditions: [{ type: 'group', operator: 'OR', conditions: [] }],
        then: { connection: 'oa', model: 'm' },
      },
    ]);
    expect(formatRule(group, nameOf)).toBe('never -> oa/m');
  });
});
