import type { VmxError } from '../../errors.js';
import { humanValue } from './human-values.js';
import { selectFields } from './json-fields.js';
import { objectLines } from './object-view.js';
import { page } from './pager.js';
import { drawTable } from './table.js';

/** Something that can be written to and may be a terminal: process.stdout or a test buffer. */
export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
  /** A terminal's size; tables fit its columns, and text taller than its rows goes through the pager. */
  columns?: number;
  rows?: number;
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** How output is shaped beyond human or JSON: all optional, the defaults print everything as it is. */
export interface OutputOptions {
  /** `--json a,b`: only these fields of the object, or of each object of a list. */
  fields?: string[];
  /** `--jq <expr>`: the JSON output through this jq filter. */
  jq?: string;
  /** The pager command for long human output on a terminal; undefined: no pager. */
  pager?: string;
  /** The environment the pager runs in. */
  env?: NodeJS.ProcessEnv;
}

/** Terminal columns when stdout is a terminal that does not say (a pseudo-terminal without a size). */
const DEFAULT_COLUMNS = 80;
const DEFAULT_ROWS = 24;

/**
 * All printing of the CLI goes through here: `--json` prints the full object or array (or the fields
 * `--json` names, or what `--jq` makes of it), human mode a table for lists (io/table.ts) and
 * `key: value` lines for one object (io/object-view.ts). Output that is still being written when a
 * verb returns (through jq, or a pager) is awaited with {@link settle}.
 */
export class Output {
  private pending: Promise<void> = Promise.resolve();
  /** Set once some output waits (jq, a pager): what follows waits its turn. */
  private queued = false;

  constructor(
    readonly stdout: Sink,
    readonly stderr: Sink,
    readonly json: boolean,
    private readonly color: boolean,
    private readonly options: OutputOptions = {},
  ) {}

  /** One entity (create, update, show); `hide` names fields people need not see (the JSON keeps them). */
  object(value: object, hide: readonly string[] = []): void {
    if (this.json) return this.writeJson(value);
    this.writeHuman(objectLines(value, hide).join('\n'));
  }

  /** Rows of a list: a table for people, the array itself for scripts. */
  list<T>(rows: T[], columns: Column<T>[], empty = 'nothing to show'): void {
    if (this.json) return this.writeJson(rows);
    if (rows.length === 0) return this.print(`${empty}\n`);
    const head = columns.map((c) => c.header);
    const cells = rows.map((row) => columns.map((c) => humanValue(c.value(row))));
    const width = this.stdout.isTTY ? this.stdout.columns || DEFAULT_COLUMNS : undefined;
    this.writeHuman(drawTable(head, cells, { width, color: this.color }));
  }

  /** A line for people; scripts using --json get nothing. */
  message(text: string): void {
    if (!this.json) this.print(`${text}\n`);
  }

  /** `✓ Created resource chat`: what a create or update did, before the entity is shown. */
  success(text: string): void {
    this.message(`${this.color ? '\x1b[32m✓\x1b[0m' : '✓'} ${text}`);
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

  /** The JSON output: `--json a,b` picks its fields here (an unknown one throws), `--jq` filters it. */
  writeJson(value: unknown): void {
    const selected = this.options.fields?.length ? selectFields(value, this.options.fields) : value;
    const expression = this.options.jq;
    if (expression === undefined) return this.print(`${JSON.stringify(selected, null, 2)}\n`);
    this.after(async () => {
      const { filterWithJq } = await import('./jq.js');
      const text = await filterWithJq(selected, expression, Boolean(this.stdout.isTTY));
      if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
  }

  /** Resolves once everything written is out (jq has run, the pager has ended); rejects with their error. */
  settle(): Promise<void> {
    return this.pending;
  }

  /** Human text: through the pager when it is taller than the terminal, else straight to stdout. */
  private writeHuman(text: string): void {
    const { pager, env = {} } = this.options;
    const tall = text.split('\n').length >= (this.stdout.rows || DEFAULT_ROWS);
    if (!pager || !this.stdout.isTTY || !tall) return this.print(`${text}\n`);
    this.after(() => page(pager, `${text}\n`, env, (unpaged) => void this.stdout.write(unpaged)));
  }

  /** Text to stdout, in turn. */
  private print(text: string): void {
    if (this.queued) this.after(async () => void this.stdout.write(text));
    else this.stdout.write(text);
  }

  /** Runs `write` after what is already pending, so that output keeps its order. */
  private after(write: () => Promise<void>): void {
    this.queued = true;
    this.pending = this.pending.then(write);
  }
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
