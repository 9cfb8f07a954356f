import type { DialectSpec } from '../dialect.js';
import { namedErrorEvent } from '../dialect.js';
import { bedrockConverseCodec } from './codec.js';
import { bedrockErrorShape } from './error.js';

/** Bedrock Converse: spoken only to Bedrock (its SDK parses the event stream), never by clients. */
export const bedrockConverse = {
  codec: bedrockConverseCodec,
  errorShape: bedrockErrorShape,
  answerUsage: () => undefined,
  errorEvent: namedErrorEvent,
} as const satisfies DialectSpec;
