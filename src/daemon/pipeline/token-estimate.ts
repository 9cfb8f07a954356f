import type { Dialect } from '../../providers/registry.js';

/**
 * A quick input-token estimate for routing rules (`tokens.input`): about four characters per token of
 * the request's messages, tools and instructions as JSON.
 */
export function estimateInputTokens(body: Record<string, unknown>, _dialect: Dialect): number {
  let characters = 0;
  for (const field of ['messages', 'input', 'system', 'instructions', 'tools']) {
    const value = body[field];
    if (value !== undefined) characters += typeof value === 'string' ? value.length : JSON.stringify(value).length;
  }
  return Math.ceil(characters / 4);
}
