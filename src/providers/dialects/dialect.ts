import type { z } from 'zod';
import type { DialectCodec, PivotUsage } from '../pivot.js';
import type { ErrorShape } from './error-shape.js';
import type { ChatMessage } from './inbound-message.js';

/** What a stream of named SSE events (Anthropic Messages, OpenAI Responses) says as it goes. */
export interface NamedEventFacts {
  /** Events that end the stream: the closing envelope rides on them. */
  terminal: ReadonlySet<string>;
  /** Events that carry usage, end the stream or report a failure: the only ones a relay parses. */
  parsed: ReadonlySet<string>;
  /** The usage an event carries, given what earlier events said; undefined for events without usage. */
  usage(event: string, data: Record<string, unknown>, before: PivotUsage | undefined): PivotUsage | undefined;
  /** The provider's failure report inside the stream, if this event is one. */
  failure(event: string, data: Record<string, unknown>): string | undefined;
}

/** What the gateway knows of a dialect clients speak to it. */
export interface InboundSpec {
  /** Its route name in usage rows, audit rows and metrics. */
  route: string;
  /** What is checked of a request body; the rest passes through. */
  schema: z.ZodType<Record<string, unknown>>;
  /** The conversation as chat messages (routing reads `request.lastMessage` … the same in every dialect). */
  messages(body: Record<string, unknown>): ChatMessage[];
  /** Whether the client asked for stream usage itself (Chat's `stream_options.include_usage`). */
  includesUsage?(body: Record<string, unknown>): boolean;
}

/** Every wire fact of one dialect, owned by its folder (dialects/<id>/index.ts). */
export interface DialectSpec {
  codec: DialectCodec;
  errorShape: ErrorShape;
  /** The usage of a whole answer in this dialect (the codec reads it the same way). */
  answerUsage(body: Record<string, unknown>): PivotUsage | undefined;
  /** An error told inside a stream that has started, from its JSON body. */
  errorEvent(json: string): string;
  /** How a passthrough relay reads its stream, for named-event dialects. */
  events?: NamedEventFacts;
  /** Present when clients speak this dialect to the gateway. */
  inbound?: InboundSpec;
}

/** Anthropic and Responses write a failure inside a stream as a named `error` event; Chat as a bare data event. */
export const namedErrorEvent = (json: string): string => `event: error\ndata: ${json}\n\n`;
