/** Escape sequences (colours) take no columns. */
const ESCAPES = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Combining marks, zero-width characters and controls take none either. */
const ZERO_WIDTH = /^(?:\p{M}|\p{Cc}|\p{Cf})$/u;

/** East Asian wide and fullwidth characters, and emoji, take two. */
const WIDE =
  /^(?:\p{Extended_Pictographic}|[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}])$/u;

/** How many terminal columns one character takes. */
function charWidth(char: string): number {
  if (char.charCodeAt(0) < 0x7f) return char >= ' ' ? 1 : 0;
  if (ZERO_WIDTH.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}

/** How many terminal columns a text takes: what a table pads and truncates by, not its length. */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(ESCAPES, '')) width += charWidth(char);
  return width;
}

/** The text cut to at most `width` columns, ending in `…` where it was cut. Expects text without escapes. */
export function truncate(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  if (width <= 0) return '';
  let kept = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    kept += char;
    used += w;
  }
  return `${kept}…`;
}

/** One line of a cell: line breaks and tabs would break a table's rows and columns apart. */
export function flatten(text: string): string {
  return text.replace(ESCAPES, '').replace(/[\t\r\n\v\f\u0085\u2028\u2029]+/g, ' ');
}
