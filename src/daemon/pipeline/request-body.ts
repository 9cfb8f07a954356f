import { z } from 'zod';
import { InvalidRequestError } from '../../errors.js';
import { formatPath } from '../../gateway/routing/index.js';

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
  .strict();
export type VmxOptions = z.infer<typeof vmxOptionsSchema>;

// Field order matters: the first failing field is the one reported.
const model = z.string().min(1);
const common = { stream: z.boolean().nullish(), vmx: vmxOptionsSchema.optional() };
const schemas = {
  'openai-chat': z.looseObject({
    model,
    messages: z.array(z.unknown()).min(1),
    ...common,
    stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  }),
  'openai-responses': z.looseObject({ model, input: z.union([z.string(), z.array(z.unknown())]), ...common }),
  'anthropic-messages': z.looseObject({
    model,
    messages: z.array(z.unknown()).min(1),
    max_tokens: z.number().int().positive().optional(),
    ...common,
  }),
};
export type InboundDialect = keyof typeof schemas;

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
  const result = schemas[dialect].safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = formatPath(issue.path);
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    throw new InvalidRequestError(`${path || 'body'}: ${missing ? 'is required' : issue.message}`);
  }
  const parsed = result.data;
  return {
    body: body as Record<string, unknown>,
    model: parsed.model,
    stream: parsed.stream === true,
    includeUsage:
      (parsed as { stream_options?: { include_usage?: boolean | null } | null }).stream_options?.include_usage === true,
    vmx: parsed.vmx ?? {},
  };
}
