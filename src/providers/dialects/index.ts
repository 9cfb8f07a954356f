import type { DialectCodec } from '../pivot.js';
import type { Dialect } from '../registry.js';
import { anthropicErrorShape } from './anthropic-messages/error.js';
import { anthropicMessagesCodec } from './anthropic-messages/codec.js';
import { bedrockErrorShape } from './bedrock-converse/error.js';
import { bedrockConverseCodec } from './bedrock-converse/codec.js';
import type { ErrorShape } from './error-shape.js';
import { openAIErrorShape } from './openai-chat/error.js';
import { openaiChatCodec } from './openai-chat/codec.js';
import { openaiResponsesCodec } from './openai-responses/codec.js';

/** One codec per wire dialect: the pipeline converts through the pivot with these. */
export const codecs: Record<Dialect, DialectCodec> = {
  'openai-chat': openaiChatCodec as DialectCodec,
  'openai-responses': openaiResponsesCodec,
  'anthropic-messages': anthropicMessagesCodec as DialectCodec,
  'bedrock-converse': bedrockConverseCodec,
};

/** Each dialect's error shape (OpenAI Chat and Responses share one). */
export const errorShapes: Record<Dialect, ErrorShape> = {
  'openai-chat': openAIErrorShape,
  'openai-responses': openAIErrorShape,
  'anthropic-messages': anthropicErrorShape,
  'bedrock-converse': bedrockErrorShape,
};
