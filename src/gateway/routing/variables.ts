/**
 * The variables a routing condition can read, built from an inbound request body and its conversation
 * as one chat-shaped message list (system/instructions first, as a chat request would carry them; each
 * dialect says how, in its inbound module), whose `content` is read as plain text — so
 * `request.lastMessage.content contains "x"` means the same thing whether the client spoke OpenAI Chat,
 * OpenAI Responses or Anthropic Messages.
 */

/** What conditions see: `request.*`, `tokens.input`, `resource.*`. */
export interface RoutingVariables {
  request: Record<string, unknown>;
  tokens: { input: number };
  resource: unknown;
}

type Message = Record<string, unknown>;

/**
 * Builds the evaluation variables. `request` is the body plus `lastMessage`, `firstMessage` (the
 * message objects with `content` replaced by their text), `allMessagesContent` (non-empty message texts
 * joined with one space; computed on first read, since most routings never look at it),
 * `messagesCount` and `toolsCount`. The body itself is not copied deeply nor changed. `inputTokens`
 * may be a function, called on first read of `tokens.input`.
 */
export function buildRoutingVariables(
  messages: readonly Message[],
  body: Record<string, unknown>,
  context: { inputTokens: number | (() => number); resource: unknown },
): RoutingVariables {
  const first = messages[0];
  const last = messages[messages.length - 1];
  let allMessagesContent: string | undefined;
  const request: Record<string, unknown> = {
    ...body,
    firstMessage: first && { ...first, content: textOf(first.content) },
    lastMessage: last && { ...last, content: textOf(last.content) },
    messagesCount: messages.length,
    toolsCount: Array.isArray(body.tools) ? body.tools.length : 0,
    get allMessagesContent(): string {
      allMessagesContent ??= joinTexts(messages);
      return allMessagesContent;
    },
  };
  // The token estimate costs a tokenizer pass: computed only when a rule reads tokens.input.
  const estimate = context.inputTokens;
  const tokens =
    typeof estimate === 'number'
      ? { input: estimate }
      : {
          get input() {
            return estimate();
          },
        };
  return { request, tokens, resource: context.resource };
}

/**
 * The text of a content value in any dialect: a string, or parts whose text is concatenated —
 * chat `text`, Responses `input_text`/`output_text`, Anthropic `text` and the content of `tool_result`.
 * Images, audio and files contribute nothing.
 */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part === 'string') text += part;
    else if (isObject(part)) {
      if (typeof part.text === 'string') text += part.text;
      else if (part.type === 'tool_result') text += textOf(part.content);
    }
  }
  return text;
}

function joinTexts(messages: readonly Message[]): string {
  const texts: string[] = [];
  for (const message of messages) {
    const text = textOf(message.content);
    if (text !== '') texts.push(text);
  }
  return texts.join(' ');
}

function isObject(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
