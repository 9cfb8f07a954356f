import { z } from 'zod';
import { InvalidRequestError } from '../../errors.js';
import { formatPath } from '../../store/routing/index.js';

/**
 * What the pipeline reads from a chat completions body; everything else passes through untouched
 * (the schema is loose and the original object is what gets forwarded).
 */
const vmxOptionsSchema = z
  .object({
    correlationId: z.string().min(1).max(256).optional(),
    secondaryModelIndex: z.number().int().min(0).optional(),
    resourceConfigOverrides: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type VmxOptions = z.infer<typeof vmxOptionsSchema>;

const chatBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  vmx: vmxOptionsSchema.optional(),
});

export interface ChatBody {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** The client asked for the usage chunk itself. */
  includeUsage: boolean;
  vmx: VmxOptions;
}

/** Validates a chat completions body, naming the first problem the way OpenAI does (`messages: …`). */
export function readChatBody(body: unknown): ChatBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('the request body must be a JSON object');
  }
  const result = chatBodySchema.safeParse(body);
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
    includeUsage: parsed.stream_options?.include_usage === true,
    vmx: parsed.vmx ?? {},
  };
}
