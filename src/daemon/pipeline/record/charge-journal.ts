import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CounterRow } from '../../../store/repos/capacity-counters.js';

const PREFIX = 'charges-';
const SUFFIX = '.journal';
/** A new file after this long or this size, so superseded ones can go. */
const ROTATE_AFTER_MS = 1_000;
const ROTATE_AT_BYTES = 1 << 20;

/**
 * Capacity charges made durable before the answer they admit: every counter the gate changes is
 * appended (its whole new value) to a journal file with one synchronous write, which survives the
 * process being killed (the kernel keeps it; like SQLite's own `synchronous = NORMAL`, not a power
 * cut). Counters reach SQLite with the record batches; a journal file is removed once a batch
 * taken after it was started is committed, so the journal stays small. At start, the counters are
 * SQLite's overlaid by every journal line in order (last wins): a kill -9 never forgets a charge.
 */
export class ChargeJournal {
  private fd: number;
  private path: string;
  private seq: number;
  private openedAt = Date.now();
  private bytes = 0;

  private constructor(
    private readonly dir: string,
    last: number,
  ) {
    this.seq = last + 1;
    this.path = this.fileOf(this.seq);
    this.fd = openSync(this.path, 'a', 0o600);
  }

  /**
   * Opens the journal in `dir` and recovers the counters: `saved` (SQLite's rows) overlaid by every
   * journal file left by an earlier run. The recovered state is written to the new file before the
   * old ones are removed, so a crash in between loses nothing either.
   */
  static open(dir: string, saved: CounterRow[]): { journal: ChargeJournal; counters: CounterRow[] } {
    const files = readdirSync(dir)
      .filter((name) => name.startsWith(PREFIX) && name.endsWith(SUFFIX))
      .map((name) => ({ name, seq: Number(name.slice(PREFIX.length, -SUFFIX.length)) }))
      .filter((file) => Number.isSafeInteger(file.seq))
      .sort((a, b) => a.seq - b.seq);
    const counters = new Map(saved.map((row) => [row.key, row]));
    for (const file of files) {
      for (const line of readFileSync(join(dir, file.name), 'utf8').split('\n')) {
        const row = parseLine(line);
        if (row) counters.set(row.key, row);
      }
    }
    const journal = new ChargeJournal(dir, files.at(-1)?.seq ?? 0);
    const recovered = [...counters.values()];
    if (files.length > 0) {
      journal.write(recovered);
      for (const file of files) rmSync(join(dir, file.name), { force: true });
    }
    return { journal, counters: recovered };
  }

  /** Appends the counters' current values; returns once the kernel has them. */
  write(rows: readonly CounterRow[]): void {
    let text = '';
    for (const row of rows) text += `${row.key}\t${row.windowStart}\t${row.requests}\t${row.tokens}\n`;
    this.bytes += writeSync(this.fd, text);
  }

  /**
   * Called as the counters' changes are taken for a batch: when the current file is old or large
   * enough, starts a new one and returns the old path, which that batch supersedes.
   */
  rotate(): string | undefined {
    if (this.bytes === 0 || (Date.now() - this.openedAt < ROTATE_AFTER_MS && this.bytes < ROTATE_AT_BYTES))
      return undefined;
    const old = this.path;
    closeSync(this.fd);
    this.seq++;
    this.path = this.fileOf(this.seq);
    this.fd = openSync(this.path, 'a', 0o600);
    this.openedAt = Date.now();
    this.bytes = 0;
    return old;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Closes and removes the current file: only once a batch with every counter change is committed. */
  retire(): void {
    this.close();
    rmSync(this.path, { force: true });
  }

  private fileOf(seq: number): string {
    return join(this.dir, `${PREFIX}${seq}${SUFFIX}`);
  }
}

function parseLine(line: string): CounterRow | undefined {
  const [key, windowStart, requests, tokens] = line.split('\t');
  if (!key || tokens === undefined) return undefined; // the last line of a killed write may be cut short
  const row = { key, windowStart: Number(windowStart), requests: Number(requests), tokens: Number(tokens) };
  return Number.isFinite(row.windowStart) && Number.isFinite(row.requests) && Number.isFinite(row.tokens)
    ? row
    : undefined;
}
