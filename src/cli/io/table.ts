import { flatten, textWidth, truncate } from './text-width.js';

/** Spaces between two columns. */
const GAP = 2;

/** A column is not shrunk below this many characters (`ab…`), unless all it holds is shorter. */
const MIN_COLUMN = 3;

/**
 * How a table is drawn: on a terminal, `width` is its number of columns, and the table fits in it;
 * without one (a pipe, a file), `width` is undefined and the rows are tab-separated for awk and cut.
 */
export interface TableLayout {
  width?: number;
  color: boolean;
}

/**
 * A table with a header row. On a terminal, aligned columns without borders, as gh draws them (borders
 * take three columns each, room an 80-column terminal does not have): columns too wide for the terminal
 * are shrunk, widest first, and their cells cut with `…`, so that no line wraps. Elsewhere, tab-separated
 * rows under a tab-separated header.
 */
export function drawTable(head: string[], rows: string[][], layout: TableLayout): string {
  const lines = [head, ...rows].map((line) => line.map(flatten));
  if (layout.width === undefined) return lines.map((line) => line.join('\t')).join('\n');
  const widths = fitWidths(lines, layout.width);
  const text = (line: string[]): string =>
    line
      .map((cell, column) => {
        const shown = truncate(cell, widths[column]!);
        return column === line.length - 1 ? shown : shown + ' '.repeat(widths[column]! - textWidth(shown) + GAP);
      })
      .join('')
      .trimEnd();
  // Columns at their narrowest may still not fit a very narrow terminal: the lines are cut there.
  const fitted = (line: string[]) => truncate(text(line), layout.width!);
  const [header, ...body] = lines.map(fitted);
  return [layout.color ? `\x1b[1;36m${header}\x1b[0m` : header!, ...body].join('\n');
}

/**
 * Each column's width: as wide as its widest cell, then shrunk one character at a time, the widest
 * first, until the table fits. Headers wider than everything under them are cut first (`FALLBAC…`
 * over a column of counts says as much); then columns of free text (errors, descriptions, names) give
 * way before columns of one format (times, ids, masked keys), which lose their meaning when cut.
 */
function fitWidths(lines: string[][], available: number): number[] {
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => textWidth(line[column]!))));
  const floors = widths.map((width) => Math.min(width, MIN_COLUMN));
  const body = lines.slice(1);
  const cells = widths.map((_, column) => Math.max(0, ...body.map((line) => textWidth(line[column]!))));
  // Free text: cells of different widths, or long cells with spaces (one row tells little).
  const free = widths.map(
    (width, column) =>
      (body.length > 1 && new Set(body.map((line) => textWidth(line[column]!))).size > 1) ||
      (width > 20 && body.some((line) => line[column]!.includes(' '))),
  );
  let excess = widths.reduce((sum, width) => sum + width, 0) + GAP * (widths.length - 1) - available;
  const passes = [
    { floor: (column: number) => Math.max(floors[column]!, cells[column]!), eligible: () => true },
    { floor: (column: number) => floors[column]!, eligible: (column: number) => free[column]! },
    { floor: (column: number) => floors[column]!, eligible: () => true },
  ];
  for (const { floor, eligible } of passes) {
    while (excess > 0) {
      let widest = -1;
      for (let column = 0; column < widths.length; column++) {
        if (!eligible(column)) continue;
        if (widths[column]! > floor(column) && (widest < 0 || widths[column]! > widths[widest]!)) widest = column;
      }
      if (widest < 0) break;
      widths[widest]!--;
      excess--;
    }
  }
  return widths;
}
