import { z } from 'zod';
import { hasContent, isMessage, type ChatMessage } from '../inbound-message.js';

/** A Messages request as the gateway reads it on the way in (`/messages`); the rest passes through. */
export const messagesInboundSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  max_tokens: z.number().int().positive().optional(),
  stream: z.boolean().nullish(),
});

/** The conversation as chat messages: `system` first, as a chat request would carry it. */
export function messagesMessages(body: Record<string, unknown>): ChatMessage[] {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isMessage) : [];
  return hasContent(body.system) ? [{ role: 'system', content: body.system }, ...messages] : messages;
}
