import { z } from 'zod';
import type { ChatMessage } from '../inbound-message.js';
import { isMessage } from '../inbound-message.js';

/**
 * A Chat Completions request as the gateway reads it on the way in (`/chat/completions`): only what it
 * needs is checked, the rest passes through. Field order is report order.
 */
export const chatInboundSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});

/** The conversation as chat messages (the body's own). */
export function chatMessages(body: Record<string, unknown>): ChatMessage[] {
  return Array.isArray(body.messages) ? body.messages.filter(isMessage) : [];
}

/** The client asked for the usage chunk of a stream itself. */
export const chatIncludesUsage = (body: Record<string, unknown>): boolean =>
  (body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
