/**
 * Character-level reading for the one-line rule form (parse-rule.ts): position, whitespace, words,
 * and the value literals. Every failure is a UsageError that points at the column.
 */
import { UsageError } from '../../errors.js';

/** A value as written in a rule, before the comparator decides its stored type. */
export type Literal =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'regex'; text: string }
  | { kind: 'list'; items: unknown[] }
  | { kind: 'object'; value: Record<string, unknown> };

const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NUMBER_ONLY = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const WORD = /[A-Za-z]+/y;
/** What a bare (unquoted) list item may contain. */
const BARE = /[^\s,[\]{}()"']+/y;

/** Whether a bare list item would read back as something other than a string. */
export function isBareKeyword(text: string): boolean {
  return NUMBER_ONLY.test(text) || text === 'true' || text === 'false' || text === 'null';
}

export class RuleScanner {
  pos = 0;

  constructor(
    readonly text: string,
    private readonly label: string,
  ) {}

  /** Throws a UsageError showing the rule with a caret under `at` (0-based). */
  fail(message: string, at = this.pos, hint?: string): never {
    throw new UsageError(`invalid ${this.label} at column ${at + 1}: ${message}\n${pointAt(this.text, at)}`, hint);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text.charAt(this.pos))) this.pos++;
  }

  /** The lower-cased word at the cursor (letters only), without consuming it; '' when there is none. */
  peekWord(): string {
    WORD.lastIndex = this.pos;
    const match = WORD.exec(this.text);
    if (!match) return '';
    // `andx` or `in2` is not the keyword `and`/`in`.
    const next = this.text.charAt(this.pos + match[0].length);
    return /[\w$.]/.test(next) ? '' : match[0].toLowerCase();
  }

  /** Consumes characters while `accept(char, index)` holds; returns them. */
  readWhile(accept: (char: string, index: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.text.length && accept(this.text.charAt(this.pos), this.pos)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  readNumber(): number | undefined {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) return undefined;
    this.pos += match[0].length;
    return Number(match[0]);
  }

  /** Reads a value: number, "string", 'string', true/false, /regex/flags, [list] or {json object}. */
  readLiteral(): Literal | undefined {
    const start = this.pos;
    const char = this.peek();
    if (char === '"' || char === "'") return { kind: 'string', value: this.readString() };
    if (char === '/') return { kind: 'regex', text: this.readRegex() };
    if (char === '[') return { kind: 'list', items: this.readList() };
    if (char === '{') return { kind: 'object', value: this.readObject() };
    const number = this.readNumber();
    if (number !== undefined) return { kind: 'number', value: number };
    const word = this.peekWord();
    if (word === 'true' || word === 'false') {
      this.pos += word.length;
      return { kind: 'boolean', value: word === 'true' };
    }
    this.pos = start;
    return undefined;
  }

  private readString(): string {
    const start = this.pos;
    const quote = this.peek();
    let end = start + 1;
    while (end < this.text.length && this.text.charAt(end) !== quote) end += this.text.charAt(end) === '\\' ? 2 : 1;
    if (end >= this.text.length) this.fail(`unterminated string: add the closing ${quote}`, start);
    this.pos = end + 1;
    const body = this.text.slice(start + 1, end);
    // Single quotes: a backslash escapes the next character. Double quotes: JSON escapes (\n, \u00e9, …).
    if (quote === "'") return body.replace(/\\(.)/gs, '$1');
    // JSON refuses raw control characters (a pasted tab); escape them first.
    const escaped = body.replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    try {
      return JSON.parse(`"${escaped}"`) as string;
    } catch {
      return this.fail('invalid escape in string: write \\\\ for a backslash, or use a /regex/', start);
    }
  }

  /** `/source/flags`, with `/` allowed inside a [character class] and after a backslash. */
  private readRegex(): string {
    const start = this.pos;
    let end = start + 1;
    let inClass = false;
    for (; end < this.text.length; end++) {
      const char = this.text.charAt(end);
      if (char === '\\') end++;
      else if (char === '[') inClass = true;
      else if (char === ']') inClass = false;
      else if (char === '/' && !inClass) break;
    }
    if (end >= this.text.length) this.fail('unterminated /regex/: add the closing /', start);
    if (end === start + 1) this.fail('empty /regex/', start);
    this.pos = end + 1;
    this.readWhile((char) => /[a-z]/.test(char));
    return this.text.slice(start, this.pos);
  }

  private readList(): unknown[] {
    const start = this.pos;
    this.pos++;
    const items: unknown[] = [];
    this.skipSpace();
    if (this.peek() === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.readListItem());
      this.skipSpace();
      const char = this.peek();
      this.pos++;
      if (char === ']') return items;
      if (char === '') this.fail('unterminated list: add the closing ]', start);
      if (char !== ',') this.fail("expected ',' or ']' in the list", this.pos - 1);
    }
  }

  /** Quoted strings, lists and objects as at the top level; anything else is one bare token. */
  private readListItem(): unknown {
    const start = this.pos;
    const char = this.peek();
    if (char === '/') this.fail('a /regex/ cannot be a list item', start);
    if (char === '"' || char === "'" || char === '[' || char === '{') {
      const literal = this.readLiteral()!;
      return literal.kind === 'list' ? literal.items : literal.kind === 'regex' ? literal.text : literal.value;
    }
    BARE.lastIndex = this.pos;
    const bare = BARE.exec(this.text);
    if (!bare) return this.fail('expected a list item', start);
    this.pos += bare[0].length;
    const token = bare[0];
    if (NUMBER_ONLY.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    return token === 'null' ? null : token;
  }

  /** A JSON object: scans to the matching brace (skipping strings), then JSON.parse does the rest. */
  private readObject(): Record<string, unknown> {
    const start = this.pos;
    let depth = 0;
    let end = start;
    for (; end < this.text.length; end++) {
      const char = this.text.charAt(end);
      if (char === '"') {
        for (end++; end < this.text.length && this.text.charAt(end) !== '"'; end++)
          if (this.text.charAt(end) === '\\') end++;
      } else if (char === '{' || char === '[') depth++;
      else if ((char === '}' || char === ']') && --depth === 0) break;
    }
    if (end >= this.text.length) this.fail('unterminated {json object}', start);
    this.pos = end + 1;
    try {
      const value: unknown = JSON.parse(this.text.slice(start, end + 1));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch (error) {
      this.fail(`invalid JSON object: ${(error as Error).message}`, start);
    }
    return this.fail('invalid JSON object', start);
  }
}

/** The rule on one line and a caret under column `at`; long rules are cut to a window around it. */
export function pointAt(text: string, at: number): string {
  const width = 72;
  const flat = text.replace(/\s/g, ' ');
  let start = 0;
  let end = flat.length;
  if (flat.length > width) {
    start = Math.max(0, Math.min(at - width / 2, flat.length - width));
    end = Math.min(flat.length, start + width);
  }
  const prefix = start > 0 ? '…' : '';
  const line = `${prefix}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
  return `  ${line}\n  ${' '.repeat(prefix.length + at - start)}^`;
}
