/**
 * How deep a client body may nest objects and arrays. Far beyond any real request (tool schemas nest
 * a dozen levels), and far below what the recursive walks of a body (serialising it, estimating its
 * tokens, converting it) can take before the stack runs out.
 */
export const MAX_BODY_DEPTH = 128;

const QUOTE = 34; // "
const BACKSLASH = 92; // \
const OPEN_OBJECT = 123; // {
const OPEN_ARRAY = 91; // [
const CLOSE_OBJECT = 125; // }
const CLOSE_ARRAY = 93; // ]

/**
 * Whether JSON text (already known to parse) nests deeper than `max`: one pass over the characters,
 * skipping strings. Text shorter than the brackets it would take is not scanned at all.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  if (text.length <= 2 * max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return false;
}
