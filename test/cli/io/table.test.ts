import { describe, expect, it } from 'vitest';
import { drawTable } from '../../../src/cli/io/table.js';
import { textWidth } from '../../../src/cli/io/text-width.js';

/** A deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const head = ['NAME', 'KEY', 'STATUS', 'RESOURCES', 'LIMITS', 'EXPIRES'];
const rows = [
  [
    'laptop',
    'vmx_NzIH****************znqM',
    'enabled',
    'chat, embed, summarize',
    '10r/m, 100000t/d',
    '2026-12-31 21:24 UTC (in 30 days)',
  ],
  ['ci', 'vmx_a1b2****************c3d4', 'disabled', 'all', '-', '-'],
];

describe('drawTable on a terminal', () => {
  it('fits any width: no line is wider than the terminal, and cut cells end in …', () => {
    for (const width of [40, 60, 80, 100, 200]) {
      const lines = drawTable(head, rows, { width, color: false }).split('\n');
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(width);
    }
    const narrow = drawTable(head, rows, { width: 60, color: false });
    expect(narrow).toContain('…');
    expect(drawTable(head, rows, { width: 200, color: false })).not.toContain('…');
  });

  it('cuts headers wider than their column before any cell: a time bucket stays whole', () => {
    const counts = ['HOUR', 'REQUESTS', 'ERRORS', 'FALLBACKS', 'INPUT', 'OUTPUT', 'CACHED', 'COST'];
    const buckets = ['2026-12-01 20:00', '2026-12-01 21:00'].map((hour) => [
      hour,
      '12',
      '0',
      '1',
      '840',
      '95',
      '0',
      '$0',
    ]);
    const [header, ...body] = drawTable(counts, buckets, { width: 60, color: false }).split('\n');
    expect(textWidth(header!)).toBeLessThanOrEqual(60);
    expect(header).toContain('REQ…');
    expect(body.map((line) => line.slice(0, 16))).toEqual(['2026-12-01 20:00', '2026-12-01 21:00']);
  });

  it('draws aligned columns without borders or ruled lines, each cell at its column', () => {
    const lines = drawTable(head, rows, { width: 200, color: false }).split('\n');
    expect(lines.join('')).not.toMatch(/[│─┼┌└]/);
    const at = lines[0]!.indexOf('STATUS');
    expect(lines[1]!.indexOf('enabled')).toBe(at);
    expect(lines[2]!.indexOf('disabled')).toBe(at);
    expect(lines[1]).toBe(`laptop  vmx_NzIH****************znqM  enabled   ${rows[0]!.slice(3).join('  ')}`);
  });

  it('shrinks the widest columns first and keeps narrow ones whole', () => {
    const lines = drawTable(head, rows, { width: 80, color: false }).split('\n');
    expect(lines[0]).toMatch(/^NAME {4}/);
    expect(lines[1]).toMatch(/^laptop {2}/);
    expect(lines[2]).toMatch(/ disabled /);
  });

  it('cuts free text before columns of one format (times, ids)', () => {
    const time = '2026-12-01 21:04:05';
    const id = 'ac669747-f247-4527-b961-aafc01f18125';
    const lines = drawTable(
      ['TIME', 'ID', 'ERROR'],
      [
        [time, id, 'upstream answered 502 Bad Gateway after 30s'],
        [time, id, 'rate limited'],
      ],
      { width: 80, color: false },
    ).split('\n');
    expect(lines[1]).toBe(`${time}  ${id}  upstream answered 50…`);
    expect(lines[2]).toBe(`${time}  ${id}  rate limited`);
  });

  it('measures wide characters and colours by the columns they take', () => {
    const wide = [['日本語のテキストです', 'ok']];
    for (const line of drawTable(['TEXT', 'X'], wide, { width: 12, color: true }).split('\n'))
      expect(textWidth(line)).toBeLessThanOrEqual(12);
    expect(drawTable(['TEXT', 'X'], wide, { width: 80, color: true }).split('\n')[0]).toBe(
      '\x1b[1;36mTEXT                  X\x1b[0m',
    );
  });

  it('keeps random tables within the width and one line per row', () => {
    const next = random(7);
    const alphabet = [...' abcdefghijklmnopqrstuvwxyz019-_./:é', '日', '🙂', '\n', '\t'];
    for (let round = 0; round < 200; round++) {
      const text = () =>
        Array.from({ length: Math.floor(next() * 30) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const columns = 1 + Math.floor(next() * 8);
      const width = 20 + Math.floor(next() * 100);
      const table = drawTable(
        Array.from({ length: columns }, text),
        Array.from({ length: 1 + Math.floor(next() * 4) }, () => Array.from({ length: columns }, text)),
        { width, color: false },
      );
      for (const line of table.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(width);
    }
  });
});

describe('drawTable without a terminal', () => {
  it('prints the header and rows tab-separated, one line each, without borders', () => {
    const lines = drawTable(head, [...rows, ['a\tb', 'two\nlines', 'x', 'y', 'z', 'w']], { color: false }).split('\n');
    expect(lines[0]).toBe(head.join('\t'));
    expect(lines[1]).toBe(rows[0]!.join('\t'));
    expect(lines[3]!.split('\t')).toEqual(['a b', 'two lines', 'x', 'y', 'z', 'w']);
    expect(lines).toHaveLength(4);
  });
});
