import type { z } from 'zod';
import { messagesInboundSchema, messagesMessages } from './anthropic-messages/inbound.js';
import type { ChatMessage } from './inbound-message.js';
import { chatInboundSchema, chatIncludesUsage, chatMessages } from './openai-chat/inbound.js';
import { responsesInboundSchema, responsesMessages } from './openai-responses/inbound.js';

/**
 * The dialects clients speak to the gateway, each with its route name (in usage rows, audit rows and
 * metrics), what is checked of a request on the way in, and its conversation as chat messages (for
 * routing rules: `request.lastMessage.content` means the same in every dialect).
 */
export const inboundDialects = {
  'openai-chat': { route: 'chat', schema: chatInboundSchema, messages: chatMessages, includesUsage: chatIncludesUsage },
  'openai-responses': { route: 'responses', schema: responsesInboundSchema, messages: responsesMessages },
  'anthropic-messages': { route: 'messages', schema: messagesInboundSchema, messages: messagesMessages },
} as const satisfies Record<string, InboundSpec>;

/** What the gateway knows of an inbound dialect. */
export interface InboundSpec {
  route: string;
  /** What is checked of a request body; the rest passes through. */
  schema: z.ZodType<Record<string, unknown>>;
  /** The conversation as chat messages. */
  messages(body: Record<string, unknown>): ChatMessage[];
  /** Whether the client asked for stream usage itself (Chat's `stream_options.include_usage`). */
  includesUsage?(body: Record<string, unknown>): boolean;
}

export type InboundDialect = keyof typeof inboundDialects;
/** The route names: `chat`, `responses`, `messages`. */
export type RouteName = (typeof inboundDialects)[InboundDialect]['route'];

export const inboundSpec = (dialect: InboundDialect): InboundSpec => inboundDialects[dialect];

/** The inbound dialect of a route name (`vmx resource explain --route chat`). */
export function dialectOfRoute(route: string): InboundDialect | undefined {
  return (Object.keys(inboundDialects) as InboundDialect[]).find((dialect) => inboundDialects[dialect].route === route);
}
