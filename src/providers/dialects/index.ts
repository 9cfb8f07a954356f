import type { DialectCodec } from '../pivot.js';
import type { Dialect } from '../registry.js';
import { anthropicMessagesCodec } from './anthropic-messages.js';
import { bedrockConverseCodec } from './bedrock-converse.js';
import { openaiChatCodec } from './openai-chat.js';
import { openaiResponsesCodec } from './openai-responses.js';

/** One codec per wire dialect: the pipeline converts through the pivot with these. */
export const codecs: Record<Dialect, DialectCodec> = {
  'openai-chat': openaiChatCodec as DialectCodec,
  'openai-responses': openaiResponsesCodec,
  'anthropic-messages': anthropicMessagesCodec as DialectCodec,
  'bedrock-converse': bedrockConverseCodec,
};
