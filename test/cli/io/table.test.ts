import { createRequire } from 'node:module';
import type TableConstructor from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { drawTable } from '../../../src/cli/io/table.js';

const Table = createRequire(import.meta.url)('cli-table3') as typeof TableConstructor;

/** What cli-table3 draws for an uncoloured table: the reference. */
function reference(head: string[], rows: string[][]): string {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row);
  return table.toString();
}

/** A deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Text drawTable draws itself, and text it leaves to cli-table3 (wide, combining, escapes, line breaks). */
const plain = [...' abcdefghijklmnopqrstuvwxyzABC019-_./:|+=~', ...'é©®·×÷ÿ\u00a0\u00ad'];
const other = [...plain, ...'…→─│€日本🙂', '\n', '\u001b[31m', '\u0301', '\t', '\u0085'];

describe('drawTable', () => {
  it('draws what cli-table3 draws, for plain text and for text it leaves to cli-table3', () => {
    const next = random(7);
    for (let round = 0; round < 400; round++) {
      const alphabet = round % 4 === 0 ? other : plain;
      const text = () =>
        Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const columns = 1 + Math.floor(next() * 5);
      const head = Array.from({ length: columns }, text);
      const rows = Array.from({ length: Math.floor(next() * 6) }, () => Array.from({ length: columns }, text));
      expect(drawTable(head, rows, false)).toBe(reference(head, rows));
    }
  });

  it('draws a typical list like cli-table3', () => {
    const head = ['NAME', 'ROLE', 'DESCRIPTION', 'ID'];
    const rows = [
      ['acme', 'owner', '-', 'ac669747-f247-4527-b961-aafc01f18125'],
      ['b', 'member', 'Acme agents', '04ddc97b-8f34-4d5d-93a6-169912087e12'],
    ];
    expect(drawTable(head, rows, false)).toBe(reference(head, rows));
    expect(drawTable(head, [], false)).toBe(reference(head, []));
  });
});
