import { createRequire } from 'node:module';
import type TableConstructor from 'cli-table3';

/**
 * Text that takes one column per character, as cli-table3 measures it: printable ASCII and Latin-1.
 * Anything else (wide or combining characters, escape codes, line breaks) is measured by cli-table3.
 */
const PLAIN = /^[\x20-\x7e\xa0-\xff]*$/;

/**
 * A table with a header row, in cli-table3's default box style (its output is the reference). Plain,
 * uncoloured tables, what most commands print, are drawn here: cli-table3 takes tens of milliseconds
 * to load and to lay out even a short list. The others, coloured or with text it must measure, it draws.
 */
export function drawTable(head: string[], rows: string[][], color: boolean): string {
  const lines = [head, ...rows];
  if (color || !lines.every((line) => line.every((cell) => PLAIN.test(cell)))) {
    return drawWithCliTable3(head, rows, color);
  }
  const widths = head.map((_, column) => lines.reduce((width, line) => Math.max(width, line[column]!.length), 0));
  const rule = (left: string, middle: string, right: string) =>
    `${left}${widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}`;
  const text = (line: string[]) => `│${line.map((cell, column) => ` ${cell.padEnd(widths[column]!)} `).join('│')}│`;
  const body = rows.flatMap((row) => [rule('├', '┼', '┤'), text(row)]);
  return [rule('┌', '┬', '┐'), text(head), ...body, rule('└', '┴', '┘')].join('\n');
}

function drawWithCliTable3(head: string[], rows: string[][], color: boolean): string {
  const Table = createRequire(import.meta.url)('cli-table3') as typeof TableConstructor;
  const table = new Table({ head, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
  for (const row of rows) table.push(row);
  return table.toString();
}
