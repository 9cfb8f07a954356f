import type { DialectSpec, NamedEventFacts } from '../dialect.js';
import { namedErrorEvent } from '../dialect.js';
import { asRecord, asString } from '../wire-read.js';
import { anthropicMessagesCodec } from './codec.js';
import { anthropicErrorShape } from './error.js';
import { messagesInboundSchema, messagesMessages } from './inbound.js';
import { readAnthropicUsage } from './usage.js';

/** A Messages stream: input usage in message_start, the final counts in message_delta, message_stop ends it. */
const events: NamedEventFacts = {
  terminal: new Set(['message_stop']),
  parsed: new Set(['message_start', 'message_delta', 'message_stop', 'error']),
  usage: (event, data, before) =>
    event === 'message_start'
      ? readAnthropicUsage(asRecord(data.message)?.usage)
      : event === 'message_delta'
        ? readAnthropicUsage(data.usage, before)
        : undefined,
  failure: (event, data) =>
    event === 'error'
      ? (asString(asRecord(data.error)?.message) ?? 'the provider reported an error in the stream')
      : undefined,
};

/** Anthropic Messages (`/messages`): named SSE events; errors `{type:"error",error:{type,message}}`. */
export const anthropicMessages = {
  codec: anthropicMessagesCodec as DialectSpec['codec'],
  errorShape: anthropicErrorShape,
  answerUsage: (body: Record<string, unknown>) => readAnthropicUsage(body.usage),
  errorEvent: namedErrorEvent,
  events,
  inbound: { route: 'messages', schema: messagesInboundSchema, messages: messagesMessages },
} as const satisfies DialectSpec;
