/**
 * Routing as JSON: the input form users give (`--routing-file`, one-line rules) and the stored form.
 * They differ only in how a target names its connection: input accepts `connection` (name or id) or
 * `connectionId` (plus an ignored `provider`, as the original's exports carry one); stored has the id.
 * `resolveRouting` (resolve.ts) turns the one into the other.
 */
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { COMPARATORS, VALUE_TYPES, checkConditionValue, type Comparator, type ValueType } from './condition-value.js';
import { formatOperand, parseExpression } from './expression.js';

const ADVANCED =
  'ADVANCED mode is not supported: its group expression is a template that runs code; ' +
  "rewrite the group with conditions and mode 'UI'";

/** Normalises `<% return errorRate(5) %>` to `errorRate(5)` so the store only holds the canonical text. */
const expressionSchema = z.string().transform((text, ctx) => {
  const parsed = parseExpression(text);
  if (parsed.ok) return formatOperand(parsed.value);
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

const trafficSchema = z.number().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100');

const conditionFields = {
  type: z.literal('condition'),
  id: z.string().optional(),
  label: z.string().optional(),
  expression: expressionSchema,
  comparator: z.enum(COMPARATORS),
};

/** Checks the comparator/value pair where zod's per-field checks cannot (they depend on each other). */
function checkCondition(
  condition: { comparator: Comparator; value?: { type: ValueType; expression?: string } },
  ctx: z.RefinementCtx,
): void {
  const { comparator, value } = condition;
  if (comparator !== 'EXISTS' && value && value.expression === undefined) {
    ctx.addIssue({ code: 'custom', path: ['value', 'expression'], message: `is required for ${comparator}` });
    return;
  }
  const problem = checkConditionValue(comparator, value && { type: value.type, expression: value.expression ?? '' });
  if (problem) {
    const path = problem.field ? ['value', problem.field] : ['value'];
    ctx.addIssue({ code: 'custom', path, message: problem.message });
  }
}

/** A condition as users write it; `value` may be left out for EXISTS. */
export const conditionInputSchema = z
  .strictObject({
    ...conditionFields,
    value: z
      .strictObject({
        type: z.enum(VALUE_TYPES),
        // Hand-written files say `"expression": 100`; the store keeps the string the original used.
        expression: z
          .preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string())
          .optional(),
      })
      .optional(),
  })
  .superRefine(checkCondition);

/** A condition as stored. Stored schemas ignore unknown keys rather than refuse them. */
export const conditionSchema = z
  .object({ ...conditionFields, value: z.object({ type: z.enum(VALUE_TYPES), expression: z.string() }).optional() })
  .superRefine(checkCondition);

const targetInputFields = {
  connection: z.string().min(1, 'must not be empty').optional(),
  connectionId: z.string().min(1, 'must not be empty').optional(),
  provider: z.string().optional(), // ignored: the connection decides the provider
  model: z.string().min(1, 'must not be empty'),
};
const needsConnection = {
  message: 'is required: name the connection (name or id) or give its connectionId',
  path: ['connection'],
};

/** A model reference as users write it. */
export const modelRefInputSchema = z
  .strictObject(targetInputFields)
  .refine((t) => t.connection !== undefined || t.connectionId !== undefined, needsConnection);

/** A routing target as users write it: a model reference plus an optional traffic share. */
export const targetInputSchema = z
  .strictObject({ ...targetInputFields, traffic: trafficSchema.optional() })
  .refine((t) => t.connection !== undefined || t.connectionId !== undefined, needsConnection);

/** A model reference as stored. */
export const modelRefSchema = z.object({ connectionId: z.string().min(1), model: z.string().min(1) });
/** A routing target as stored. */
export const routeTargetSchema = modelRefSchema.extend({ traffic: trafficSchema.optional() });

/**
 * A routing group as users write it. `enabled: false` skips the group; only a top-level group's action
 * and target take effect (nested groups only combine conditions). The fields are spelled out here and
 * in routeGroupSchema because a spread breaks TypeScript's inference of the recursive getter.
 */
export const routeGroupInputSchema = z
  .strictObject({
    type: z.literal('group'),
    id: z.string().optional(),
    description: z.string().optional(),
    enabled: z.boolean().optional(),
    operator: z.enum(['AND', 'OR']),
    get conditions(): z.ZodArray<z.ZodDiscriminatedUnion<[typeof conditionInputSchema, typeof routeGroupInputSchema]>> {
      return z.array(z.discriminatedUnion('type', [conditionInputSchema, routeGroupInputSchema]));
    },
    action: z.enum(['CALL_MODEL', 'BLOCK']).default('CALL_MODEL'),
    then: targetInputSchema.optional(),
    // Accepted for the original's exports: 'UI' is what we do anyway; 'ADVANCED' would execute code.
    mode: z
      .literal('UI', { error: (issue) => (issue.input === 'ADVANCED' ? ADVANCED : 'must be "UI" (or left out)') })
      .optional(),
    // The ADVANCED-mode template of the original; ignored next to mode 'UI', refused otherwise.
    expression: z.string().optional(),
  })
  .superRefine((group, ctx) => {
    if (group.mode !== 'UI' && group.expression !== undefined && group.expression.trim() !== '') {
      ctx.addIssue({ code: 'custom', path: ['expression'], message: ADVANCED });
    }
  });

/** A routing group as stored (see routeGroupInputSchema). */
export const routeGroupSchema = z.object({
  type: z.literal('group'),
  id: z.string().optional(),
  description: z.string().optional(),
  enabled: z.boolean().optional(),
  operator: z.enum(['AND', 'OR']),
  get conditions(): z.ZodArray<z.ZodDiscriminatedUnion<[typeof conditionSchema, typeof routeGroupSchema]>> {
    return z.array(z.discriminatedUnion('type', [conditionSchema, routeGroupSchema]));
  },
  action: z.enum(['CALL_MODEL', 'BLOCK']).default('CALL_MODEL'),
  then: routeTargetSchema.optional(),
});

/** A top-level group must say where it routes; a BLOCK group's target, if any, is ignored. */
function requireTargets(routing: { conditions: { action: string; then?: unknown }[] }, ctx: z.RefinementCtx): void {
  routing.conditions.forEach((group, index) => {
    if (group.action === 'CALL_MODEL' && group.then === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['conditions', index, 'then'],
        message: 'is required when action is CALL_MODEL',
      });
    }
  });
}

export const routingInputSchema = z
  .strictObject({ enabled: z.boolean().default(true), conditions: z.array(routeGroupInputSchema) })
  .superRefine(requireTargets);

export const routingSchema = z
  .object({ enabled: z.boolean(), conditions: z.array(routeGroupSchema) })
  .superRefine(requireTargets);

export type ConditionInput = z.output<typeof conditionInputSchema>;
export type ModelRefInput = z.output<typeof modelRefInputSchema>;
export type RouteTargetInput = z.output<typeof targetInputSchema>;
export type RouteGroupInput = z.output<typeof routeGroupInputSchema>;
export type RoutingInput = z.output<typeof routingInputSchema>;
export type Condition = z.output<typeof conditionSchema>;
export type ModelRef = z.output<typeof modelRefSchema>;
export type RouteTarget = z.output<typeof routeTargetSchema>;
export type RouteGroup = z.output<typeof routeGroupSchema>;
export type Routing = z.output<typeof routingSchema>;

/**
 * Validates a `--routing-file` document and returns the input-form routing (connections unresolved).
 * Accepts the routing object (`{enabled?, conditions}`; `enabled` defaults to true), a whole resource
 * as `vmx resource show --json` prints it (its `routing` key; null means no routing), or a bare array
 * of groups. Throws a UsageError naming the JSON path of the first problem.
 */
export function parseRoutingDocument(json: unknown, label = 'routing file'): RoutingInput {
  if (Array.isArray(json)) return validate({ conditions: json }, label, (path) => path.slice(1));
  if (json === null || typeof json !== 'object') {
    throw new UsageError(
      `${label}: expected a routing object {"enabled", "conditions"}, a resource with a "routing" key, or an array of groups`,
    );
  }
  if (!('routing' in json)) return validate(json, label, (path) => path);
  const routing = (json as { routing: unknown }).routing;
  if (routing === null || routing === undefined) return { enabled: false, conditions: [] };
  return validate(routing, label, (path) => ['routing', ...path]);
}

function validate(doc: unknown, label: string, displayPath: (path: PropertyKey[]) => PropertyKey[]): RoutingInput {
  const result = routingInputSchema.safeParse(doc, { error: issueMessage });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(displayPath(issue.path));
  throw new UsageError(`${label}: ${path ? `${path}: ` : ''}${issue.message}`);
}

/** `['conditions', 0, 'then']` → `conditions[0].then`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

/** Shorter, path-friendly wording for zod's generic issues (schema-specific messages take precedence). */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${/^[aeio]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}, got ${describe(issue.input)}`;
    case 'invalid_value':
      if (issue.input === undefined) return 'is required';
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_union':
      return 'must be "condition" or "group"';
    default:
      return undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
