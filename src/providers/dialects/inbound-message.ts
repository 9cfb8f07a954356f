/** A message of a conversation as routing reads it: chat-shaped, `content` still as its dialect wrote it. */
export type ChatMessage = Record<string, unknown>;

export function isMessage(value: unknown): value is ChatMessage {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasContent(value: unknown): boolean {
  return typeof value === 'string' ? value !== '' : Array.isArray(value) && value.length > 0;
}
