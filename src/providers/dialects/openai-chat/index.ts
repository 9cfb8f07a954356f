import type { DialectSpec } from '../dialect.js';
import { openaiChatCodec } from './codec.js';
import { openAIErrorShape } from './error.js';
import { chatInboundSchema, chatIncludesUsage, chatMessages } from './inbound.js';
import { chatBodyUsage } from './usage.js';

/** OpenAI Chat Completions (`/chat/completions`): data-only SSE ending in `[DONE]`, relayed by its own relay. */
export const openaiChat = {
  codec: openaiChatCodec as DialectSpec['codec'],
  errorShape: openAIErrorShape,
  answerUsage: chatBodyUsage,
  errorEvent: (json: string) => `data: ${json}\n\n`,
  inbound: { route: 'chat', schema: chatInboundSchema, messages: chatMessages, includesUsage: chatIncludesUsage },
} as const satisfies DialectSpec;
