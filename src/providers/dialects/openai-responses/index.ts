import type { DialectSpec, NamedEventFacts } from '../dialect.js';
import { namedErrorEvent } from '../dialect.js';
import { openAIErrorShape } from '../openai-chat/error.js';
import { asRecord, asString } from '../wire-read.js';
import { openaiResponsesCodec } from './codec.js';
import { responsesInboundSchema, responsesMessages } from './inbound.js';
import { readResponsesUsage } from './usage.js';

const terminal = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** A Responses stream: the final response object (and its usage) comes with the terminal event. */
const events: NamedEventFacts = {
  terminal,
  parsed: new Set([...terminal, 'error']),
  usage: (event, data) => (terminal.has(event) ? readResponsesUsage(asRecord(data.response)?.usage) : undefined),
  failure: (event, data) =>
    event === 'error'
      ? (asString(data.message) ??
        asString(asRecord(data.error)?.message) ??
        'the provider reported an error in the stream')
      : event === 'response.failed'
        ? (asString(asRecord(asRecord(data.response)?.error)?.message) ??
          'the provider reported the response as failed')
        : undefined,
};

/** OpenAI Responses (`/responses`): typed SSE events; errors in OpenAI's shape. */
export const openaiResponses = {
  codec: openaiResponsesCodec,
  errorShape: openAIErrorShape,
  answerUsage: (body: Record<string, unknown>) => readResponsesUsage(body.usage),
  errorEvent: namedErrorEvent,
  events,
  inbound: { route: 'responses', schema: responsesInboundSchema, messages: responsesMessages },
} as const satisfies DialectSpec;
