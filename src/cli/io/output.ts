import type { VmxError } from '../../errors.js';
import { drawTable } from './table.js';

/** Something that can be written to and may be a terminal: process.stdout or a test buffer. */
export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/**
 * All printing of the CLI goes through here: `--json` prints the full object or array, human mode a
 * table for lists (io/table.ts) and `key: value` lines for one object.
 */
export class Output {
  constructor(
    readonly stdout: Sink,
    readonly stderr: Sink,
    readonly json: boolean,
    private readonly color: boolean,
  ) {}

  /** One entity (create, update, show). */
  object(value: object): void {
    if (this.json) return this.writeJson(value);
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    const width = Math.max(...entries.map(([k]) => k.length));
    for (const [key, v] of entries) this.stdout.write(`${`${key}:`.padEnd(width + 2)}${display(v)}\n`);
  }

  /** Rows of a list: a table for people, the array itself for scripts. */
  list<T>(rows: T[], columns: Column<T>[], empty = 'nothing to show'): void {
    if (this.json) return this.writeJson(rows);
    if (rows.length === 0) {
      this.stdout.write(`${empty}\n`);
      return;
    }
    const head = columns.map((c) => c.header);
    const cells = rows.map((row) => columns.map((c) => display(c.value(row))));
    this.stdout.write(`${drawTable(head, cells, this.color)}\n`);
  }

  /** A line for people; scripts using --json get nothing. */
  message(text: string): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** A one-line warning on stderr, in both modes (it never pollutes --json stdout). */
  warn(text: string): void {
    this.stderr.write(this.json ? `${JSON.stringify({ warning: text })}\n` : `warning: ${text}\n`);
  }

  /**
   * One `error:` line. A message may carry extra lines on purpose (a rule with a caret under the
   * mistake); they follow the error line as they are.
   */
  error(error: Pick<VmxError, 'code' | 'message' | 'hint'>): void {
    if (this.json) {
      this.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
      return;
    }
    this.stderr.write(`error: ${error.message}\n`);
    if (error.hint) this.stderr.write(`hint: ${oneLine(error.hint)}\n`);
  }

  writeJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}

function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map(display).join(', ') : '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * A whole number with thousands separators, `1234567` → `1,234,567`, as `toLocaleString('en-US')`
 * writes it: that call loads ICU's number formats, tens of milliseconds of a short command's run.
 */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
