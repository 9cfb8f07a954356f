import { createRequire } from 'node:module';

/**
 * The o200k tokenizer, loaded on the first count: its tables take about 70 MB, and a daemon whose
 * rules and limits never need an estimate never pays for them. (Synchronous, as the estimate is: the
 * package's CommonJS build through require.) Its merge cache (pieces of text already split into
 * tokens) keeps MERGE_CACHE_ENTRIES pieces instead of the package's 100,000, which under unique
 * traffic held tens of megabytes.
 */
const MERGE_CACHE_ENTRIES = 10_000;
let tokenizer: ((text: string) => number) | undefined;
function countTokens(text: string): number {
  if (!tokenizer) {
    const o200k = createRequire(import.meta.url)(
      'gpt-tokenizer/encoding/o200k_base',
    ) as typeof import('gpt-tokenizer/encoding/o200k_base');
    o200k.setMergeCacheSize(MERGE_CACHE_ENTRIES);
    tokenizer = o200k.countTokens;
  }
  return tokenizer(text);
}

/** Keys whose string values are structure, not text the model reads. */
const STRUCTURAL = new Set([
  'type',
  'role',
  'id',
  'tool_call_id',
  'call_id',
  'tool_use_id',
  'status',
  'media_type',
  'detail',
  'cache_control',
  'signature',
]);
/** Images are not tokenised as text; providers bill a small tile count for a typical image. */
const IMAGE_TOKENS = 85;
/** Per-message framing (role markers) as OpenAI's chat format adds it. */
const PER_MESSAGE = 3;

/**
 * Counts of longer texts seen recently: agents resend the whole conversation every turn, so most of a
 * request's text was counted before. Bounded by the characters it holds (CACHE_CHARS, about 8 MB
 * of text at most); simply emptied when full.
 */
const counted = new Map<string, number>();
const CACHE_CHARS = 4_000_000;
let cachedChars = 0;
function count(text: string): number {
  if (text.length < 256) return countTokens(text);
  let tokens = counted.get(text);
  if (tokens === undefined) {
    tokens = countTokens(text);
    if (text.length > CACHE_CHARS) return tokens;
    if (cachedChars + text.length > CACHE_CHARS) {
      counted.clear();
      cachedChars = 0;
    }
    counted.set(text, tokens);
    cachedChars += text.length;
  }
  return tokens;
}

/**
 * The input-token estimate used by routing rules (`tokens.input`) and by capacity limits (charged up
 * front, reconciled with the provider's count afterwards): the text of the instructions, messages and
 * tools counted with the o200k BPE tokenizer (gpt-tokenizer), plus per-message framing. Exact for
 * OpenAI's current models, close for other providers' English text.
 */
export function estimateInputTokens(body: Record<string, unknown>): number {
  let tokens = 0;
  let messages = 0;
  const visit = (value: unknown, key: string | undefined) => {
    if (typeof value === 'string') {
      if (key === 'data' || key === 'image_url' || key === 'url' || key === 'file_data') tokens += IMAGE_TOKENS;
      else if (!key || !STRUCTURAL.has(key)) tokens += count(value);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
      return;
    }
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (!STRUCTURAL.has(k)) visit(v, k);
    }
  };
  for (const field of ['system', 'instructions', 'tools']) if (body[field] !== undefined) visit(body[field], field);
  const conversation = body.messages ?? body.input;
  if (Array.isArray(conversation)) {
    for (const message of conversation) {
      messages++;
      visit(message, undefined);
    }
  } else if (typeof conversation === 'string') {
    messages = 1;
    tokens += count(conversation);
  }
  return tokens + messages * PER_MESSAGE + (messages > 0 ? PER_MESSAGE : 0);
}
