import { z } from 'zod';
import { hasContent, isMessage, type ChatMessage } from '../inbound-message.js';

/** A Responses request as the gateway reads it on the way in (`/responses`); the rest passes through. */
export const responsesInboundSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]),
  stream: z.boolean().nullish(),
});

/** The conversation as chat messages: `instructions` first, then the input items that are turns. */
export function responsesMessages(body: Record<string, unknown>): ChatMessage[] {
  const system: ChatMessage[] = hasContent(body.instructions) ? [{ role: 'system', content: body.instructions }] : [];
  if (typeof body.input === 'string') return [...system, { role: 'user', content: body.input }];
  const items = Array.isArray(body.input) ? body.input.filter(isMessage) : [];
  return [...system, ...items.flatMap(itemToMessage)];
}

/**
 * An input item as the chat message it stands for: messages stay messages, a function_call_output is
 * the tool message, a function_call the assistant turn that asked for it. Reasoning items and
 * references carry no conversation text and are left out.
 */
function itemToMessage(item: ChatMessage): ChatMessage[] {
  if (typeof item.role === 'string' && (item.type === undefined || item.type === 'message')) return [item];
  if (item.type === 'function_call_output') return [{ ...item, role: 'tool', content: item.output }];
  if (item.type === 'function_call') return [{ ...item, role: 'assistant', content: '' }];
  return [];
}
