import { describe, expect, it } from 'vitest';
import { NotFoundError, UsageError } from '../../../src/errors.js';
import { ALLOWED_VALUE_TYPES, COMPARATORS, VALUE_TYPES } from '../../../src/gateway/routing/condition-value.js';
import { resolveRouting, type ConnectionInfo } from '../../../src/gateway/routing/resolve.js';
import { parseRoutingDocument, routingSchema } from '../../../src/gateway/routing/schema.js';

const connections: ConnectionInfo[] = [
  { id: 'id-groq', name: 'groq', provider: 'groq' },
  { id: 'id-oa', name: 'oa', provider: 'openai' },
];
const lookup = (ref: string) => connections.find((c) => c.id === ref || c.name === ref);

const condition = (extra: Record<string, unknown> = {}) => ({
  type: 'condition',
  expression: 'tokens.input',
  comparator: 'LESS_THAN',
  value: { type: 'number', expression: '100' },
  ...extra,
});
const group = (extra: Record<string, unknown> = {}) => ({
  type: 'group',
  operator: 'AND',
  conditions: [condition()],
  action: 'CALL_MODEL',
  then: { connection: 'groq', model: 'llama-3.1-8b-instant' },
  ...extra,
});

describe('parseRoutingDocument', () => {
  const expected = {
    enabled: true,
    conditions: [
      {
        type: 'group',
        operator: 'AND',
        conditions: [
          {
            type: 'condition',
            expression: 'tokens.input',
            comparator: 'LESS_THAN',
            value: { type: 'number', expression: '100' },
          },
        ],
        action: 'CALL_MODEL',
        then: { connection: 'groq', model: 'llama-3.1-8b-instant' },
      },
    ],
  };

  it('accepts the routing object, a resource with a routing key, or a bare array of groups', () => {
    expect(parseRoutingDocument({ enabled: true, conditions: [group()] })).toStrictEqual(expected);
    expect(
      parseRoutingDocument({ name: 'chat', model: {}, routing: { enabled: true, conditions: [group()] } }),
    ).toStrictEqual(expected);
    expect(parseRoutingDocument([group()])).toStrictEqual(expected);
  });

  it('defaults enabled to true, the action to CALL_MODEL, and reads a null routing as none', () => {
    const { action: _action, ...withoutAction } = group();
    expect(parseRoutingDocument({ conditions: [withoutAction] })).toStrictEqual(expected);
    expect(parseRoutingDocument({ enabled: false, conditions: [] })).toStrictEqual({ enabled: false, conditions: [] });
    expect(parseRoutingDocument({ name: 'chat', routing: null })).toStrictEqual({ enabled: false, conditions: [] });
  });

  it("accepts the original's exports: mode UI, the <% return errorRate(N) %> spelling, numbers as value expressions", () => {
    const doc = [
      group({
        mode: 'UI',
        id: 'g1',
        description: 'when failing',
        conditions: [
          condition({
            id: 'c1',
            label: 'Error rate',
            expression: '<% return errorRate(5) %>',
            comparator: 'GREATER_THAN',
            value: { type: 'number', expression: 10 },
          }),
          condition({
            expression: '<%= errorRate(10, 429) %>',
            comparator: 'EXISTS',
            value: { type: 'string', expression: '' },
          }),
        ],
        then: { provider: 'groq', connectionId: 'id-groq', model: 'llama-3.3-70b', traffic: 25 },
      }),
    ];
    const parsed = parseRoutingDocument(doc);
    expect(parsed.conditions[0]!.conditions).toStrictEqual([
      {
        type: 'condition',
        id: 'c1',
        label: 'Error rate',
        expression: 'errorRate(5)',
        comparator: 'GREATER_THAN',
        value: { type: 'number', expression: '10' },
      },
      {
        type: 'condition',
        expression: 'errorRate(10, 429)',
        comparator: 'EXISTS',
        value: { type: 'string', expression: '' },
      },
    ]);
    expect(resolveRouting(parsed, lookup)).toStrictEqual({
      enabled: true,
      conditions: [
        {
          type: 'group',
          id: 'g1',
          description: 'when failing',
          operator: 'AND',
          conditions: [
            {
              type: 'condition',
              id: 'c1',
              label: 'Error rate',
              expression: 'errorRate(5)',
              comparator: 'GREATER_THAN',
              value: { type: 'number', expression: '10' },
            },
            { type: 'condition', expression: 'errorRate(10, 429)', comparator: 'EXISTS' },
          ],
          action: 'CALL_MODEL',
          then: { connectionId: 'id-groq', model: 'llama-3.3-70b', traffic: 25 },
        },
      ],
    });
  });

  // [document, exact error message]
  const errors: [string, unknown, string][] = [
    [
      'traffic out of range',
      { conditions: [group({ then: { connection: 'groq', model: 'm', traffic: 0 } })] },
      'routing file: conditions[0].then.traffic: must be between 1 and 100',
    ],
    [
      'traffic above 100 in a bare array',
      [group({ then: { connection: 'groq', model: 'm', traffic: 101 } })],
      'routing file: [0].then.traffic: must be between 1 and 100',
    ],
    [
      'path inside a resource',
      { routing: { conditions: [group({ operator: 'XOR' })] } },
      'routing file: routing.conditions[0].operator: must be one of "AND", "OR"',
    ],
    [
      'ADVANCED mode',
      [group({ mode: 'ADVANCED', expression: '<% return true %>' })],
      "routing file: [0].mode: ADVANCED mode is not supported: its group expression is a template that runs code; rewrite the group with conditions and mode 'UI'",
    ],
    [
      'a group template without mode',
      [group({ expression: '<% return true %>' })],
      "routing file: [0].expression: ADVANCED mode is not supported: its group expression is a template that runs code; rewrite the group with conditions and mode 'UI'",
    ],
    ['missing target', [group({ then: undefined })], 'routing file: [0].then: is required when action is CALL_MODEL'],
    [
      'target without connection',
      [group({ then: { model: 'm' } })],
      'routing file: [0].then.connection: is required: name the connection (name or id) or give its connectionId',
    ],
    ['unknown key', [group({ opertor: 'OR' })], "routing file: [0]: unknown key 'opertor'"],
    ['missing operator', [group({ operator: undefined })], 'routing file: [0].operator: is required'],
    [
      'bad child type',
      [group({ conditions: [condition(), { type: 'rule' }] })],
      'routing file: [0].conditions[1].type: must be "condition" or "group"',
    ],
    [
      'deep path',
      [group({ conditions: [{ type: 'group', operator: 'OR', conditions: [condition({ comparator: 'LIKE' })] }] })],
      'routing file: [0].conditions[0].conditions[0].comparator: must be one of "EQUAL", "NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "CONTAINS", "NOT_CONTAINS", "STARTS_WITH", "ENDS_WITH", "PATTERN", "IN", "NOT_IN", "EXISTS"',
    ],
    [
      'number value',
      [group({ conditions: [condition({ value: { type: 'number', expression: 'ten' } })] })],
      "routing file: [0].conditions[0].value.expression: must be a number, got 'ten'",
    ],
    [
      'missing value',
      [group({ conditions: [condition({ value: undefined })] })],
      'routing file: [0].conditions[0].value: is required for LESS_THAN',
    ],
    [
      'missing value expression',
      [group({ conditions: [condition({ value: { type: 'number' } })] })],
      'routing file: [0].conditions[0].value.expression: is required for LESS_THAN',
    ],
    [
      'value type of another case',
      [group({ conditions: [condition({ value: { type: 'NUMBER', expression: '1' } })] })],
      'routing file: [0].conditions[0].value.type: must be one of "string", "number", "boolean", "comma-delimited-list", "json-object", "json-array"',
    ],
    [
      'json-object that is an array',
      [group({ conditions: [condition({ comparator: 'EQUAL', value: { type: 'json-object', expression: '[1]' } })] })],
      'routing file: [0].conditions[0].value.expression: must be a JSON object',
    ],
    [
      'json-array that is not JSON',
      [group({ conditions: [condition({ comparator: 'IN', value: { type: 'json-array', expression: '[1,' } })] })],
      'routing file: [0].conditions[0].value.expression: must be JSON: Unexpected end of JSON input',
    ],
    [
      'boolean',
      [group({ conditions: [condition({ comparator: 'EQUAL', value: { type: 'boolean', expression: 'yes' } })] })],
      "routing file: [0].conditions[0].value.expression: must be true or false, got 'yes'",
    ],
    [
      'regex',
      [group({ conditions: [condition({ comparator: 'PATTERN', value: { type: 'string', expression: '/(/i' } })] })],
      'routing file: [0].conditions[0].value.expression: invalid regular expression: /(/i: Unterminated group',
    ],
    [
      'regex flags',
      [group({ conditions: [condition({ comparator: 'PATTERN', value: { type: 'string', expression: '/a/q' } })] })],
      "routing file: [0].conditions[0].value.expression: invalid flags supplied to RegExp constructor 'q'",
    ],
    [
      'template expression',
      [group({ conditions: [condition({ expression: '<% return process.exit() %>' })] })],
      'routing file: [0].conditions[0].expression: template expressions are not supported (vmx never executes templates); use a dotted path or errorRate(N)',
    ],
    [
      'unknown variable',
      [group({ conditions: [condition({ expression: 'token.input' })] })],
      "routing file: [0].conditions[0].expression: unknown variable 'token': use request.*, tokens.input, resource.* or errorRate(window[, status])",
    ],
    [
      'not a path',
      [group({ conditions: [condition({ expression: 'request.x + 1' })] })],
      "routing file: [0].conditions[0].expression: 'request.x + 1': expected a dotted path (tokens.input, request.lastMessage.content, resource.name, …) or errorRate(window[, status])",
    ],
    [
      'errorRate window',
      [group({ conditions: [condition({ expression: 'errorRate(0)' })] })],
      'routing file: [0].conditions[0].expression: errorRate window must be a whole number of minutes from 1 to 1440',
    ],
    [
      'errorRate status',
      [group({ conditions: [condition({ expression: 'errorRate(5, 42)' })] })],
      "routing file: [0].conditions[0].expression: errorRate status must be an HTTP status code (100-599) or 'any'",
    ],
    ['wrong JSON type', [group({ enabled: 'yes' })], 'routing file: [0].enabled: must be a boolean, got string "yes"'],
    [
      'not a document',
      'routing',
      'routing file: expected a routing object {"enabled", "conditions"}, a resource with a "routing" key, or an array of groups',
    ],
  ];
  it.each(errors)('%s', (_name, doc, message) => {
    let caught: unknown;
    try {
      parseRoutingDocument(doc);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(message);
  });
});

describe('comparators × value types', () => {
  const pairs = COMPARATORS.flatMap((comparator) => VALUE_TYPES.map((type) => [comparator, type] as const));
  const sample: Record<string, string> = {
    string: 'abc',
    number: '1',
    boolean: 'true',
    'comma-delimited-list': 'a,b',
    'json-object': '{"a":1}',
    'json-array': '[1]',
  };
  it.each(pairs)('%s with %s', (comparator, type) => {
    const doc = [group({ conditions: [condition({ comparator, value: { type, expression: sample[type] } })] })];
    if (ALLOWED_VALUE_TYPES[comparator].includes(type)) {
      expect(parseRoutingDocument(doc).conditions[0]!.conditions[0]).toMatchObject({ comparator, value: { type } });
    } else {
      expect(() => parseRoutingDocument(doc)).toThrow(
        `routing file: [0].conditions[0].value.type: '${type}' does not work with ${comparator}; use `,
      );
    }
  });

  it('accepts exactly these pairs', () => {
    expect(ALLOWED_VALUE_TYPES).toEqual({
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
    });
  });
});

describe('resolveRouting', () => {
  it('turns connection names and ids into ids, and the result is a valid stored routing', () => {
    const input = parseRoutingDocument([
      group({ then: { connection: 'groq', model: 'a' } }),
      group({ then: { connectionId: 'id-oa', model: 'b', traffic: 10 } }),
      group({ then: { connection: 'id-oa', connectionId: 'id-oa', model: 'c' } }),
    ]);
    const stored = resolveRouting(input, lookup);
    expect(stored.conditions.map((g) => g.then)).toStrictEqual([
      { connectionId: 'id-groq', model: 'a' },
      { connectionId: 'id-oa', model: 'b', traffic: 10 },
      { connectionId: 'id-oa', model: 'c' },
    ]);
    expect(routingSchema.parse(stored)).toStrictEqual(stored);
  });

  it('drops the targets of BLOCK groups and nested groups without looking them up', () => {
    const input = parseRoutingDocument([
      group({
        action: 'BLOCK',
        then: { connection: 'gone', model: 'x' },
        conditions: [
          {
            type: 'group',
            operator: 'OR',
            conditions: [condition()],
            action: 'CALL_MODEL',
            then: { connection: 'gone', model: 'y' },
          },
        ],
      }),
    ]);
    expect(resolveRouting(input, lookup).conditions[0]).toStrictEqual({
      type: 'group',
      operator: 'AND',
      conditions: [{ type: 'group', operator: 'OR', conditions: [condition()], action: 'CALL_MODEL' }],
      action: 'BLOCK',
    });
  });

  it('names an unknown connection and the place it was used', () => {
    const input = parseRoutingDocument([group(), group({ then: { connection: 'nope', model: 'm' } })]);
    expect(() => resolveRouting(input, lookup)).toThrow(NotFoundError);
    expect(() => resolveRouting(input, lookup)).toThrow("connection 'nope' not found (routing conditions[1].then)");
  });

  it('refuses a target whose connection and connectionId disagree', () => {
    const input = parseRoutingDocument([group({ then: { connection: 'groq', connectionId: 'id-oa', model: 'm' } })]);
    expect(() => resolveRouting(input, lookup)).toThrow(UsageError);
    expect(() => resolveRouting(input, lookup)).toThrow(
      "routing conditions[0].then: connection 'groq' and connectionId 'id-oa' are different connections; give one",
    );
  });
});
