import { z } from 'zod';
import { InvalidRequestError } from '../../errors.js';
import { formatPath } from '../../gateway/routing/index.js';
import { inboundSpec, type InboundDialect } from '../../providers/dialects/inbound.js';

export type { InboundDialect };

/**
 * What the pipeline reads from a client body; everything else passes through untouched (the schemas
 * are loose and the original object is what gets forwarded).
 */
const vmxOptionsSchema = z
  .object({
    correlationId: z.string().min(1).max(256).optional(),
    secondaryModelIndex: z.number().int().min(0).optional(),
    resourceConfigOverrides: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .optional();
export type VmxOptions = NonNullable<z.infer<typeof vmxOptionsSchema>>;

/** What the pipeline reads of a client body; the body itself is kept whole for passthrough. */
export interface InboundBody {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** The client asked for the usage chunk itself. */
  includeUsage: boolean;
  vmx: VmxOptions;
}

/** Validates a client body of the route's dialect, naming the first problem (`messages: is required`). */
export function readInboundBody(dialect: InboundDialect, body: unknown): InboundBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('the request body must be a JSON object');
  }
  const spec = inboundSpec(dialect);
  const parsed = check(spec.schema, body, []);
  const given = (body as { vmx?: unknown }).vmx;
  const vmx = given === undefined ? undefined : check(vmxOptionsSchema, given, ['vmx']);
  return {
    body: body as Record<string, unknown>,
    model: parsed.model as string,
    stream: parsed.stream === true,
    includeUsage: spec.includesUsage?.(parsed) ?? false,
    vmx: vmx ?? {},
  };
}

/** The parsed value, or a 400 naming the first problem (`messages: is required`); `at` is where `value` sits in the body. */
export function check<T>(schema: z.ZodType<T>, value: unknown, at: PropertyKey[]): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath([...at, ...issue.path]);
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  throw new InvalidRequestError(`${path || 'body'}: ${missing ? 'is required' : issue.message}`);
}
