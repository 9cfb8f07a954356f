import type { DialectCodec } from '../pivot.js';
import { anthropicMessages } from './anthropic-messages/index.js';
import { bedrockConverse } from './bedrock-converse/index.js';
import type { DialectSpec } from './dialect.js';
import type { ErrorShape } from './error-shape.js';
import { openaiChat } from './openai-chat/index.js';
import { openaiResponses } from './openai-responses/index.js';

/**
 * The wire dialects: one folder each (codec, inbound schema and conversation, usage reader, stream
 * facts, error shape and error event), one line here. Same dialect on both sides → passthrough;
 * different → converted through the pivot.
 */
export const dialects = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  'anthropic-messages': anthropicMessages,
  'bedrock-converse': bedrockConverse,
} as const satisfies Record<string, DialectSpec>;

export type Dialect = keyof typeof dialects;

/** The spec of a dialect, as its common interface. */
export const dialectSpec = (dialect: Dialect): DialectSpec => dialects[dialect];

/** One codec per wire dialect: the pipeline converts through the pivot with these. */
export const codecs = Object.fromEntries(Object.entries(dialects).map(([id, spec]) => [id, spec.codec])) as Record<
  Dialect,
  DialectCodec
>;

/** Each dialect's error shape (OpenAI Chat and Responses share one). */
export const errorShapes = Object.fromEntries(
  Object.entries(dialects).map(([id, spec]) => [id, spec.errorShape]),
) as Record<Dialect, ErrorShape>;
