import { UsageError } from '../../../errors.js';

/** The statuses an `--status` value names, both ends included. */
export interface StatusRange {
  from: number;
  to: number;
}

const COMPARISON = /^(>=|<=|>|<)\s*(\d{3})$/;

/**
 * `--status` as people write it: a code (`429`), a class (`4xx`, `5XX`), a comparison (`>=400`, `<500`)
 * or a range (`400-499`). Anything else is a usage error that says what is accepted.
 */
export function parseStatusFilter(text: string): StatusRange {
  const value = text.trim().toLowerCase();
  const invalid = () =>
    new UsageError(
      `invalid --status '${text}': expected a code (429), a class (4xx, 5xx), a comparison (>=400) or a range (500-599)`,
    );
  let range: StatusRange | undefined;
  if (/^\d{3}$/.test(value)) range = { from: Number(value), to: Number(value) };
  else if (/^[1-5]xx$/.test(value)) range = { from: Number(value[0]) * 100, to: Number(value[0]) * 100 + 99 };
  else if (/^\d{3}\s*-\s*\d{3}$/.test(value)) {
    const [from, to] = value.split('-').map((part) => Number(part.trim())) as [number, number];
    range = { from, to };
  } else {
    const match = COMPARISON.exec(value);
    if (match) range = comparison(match[1]!, Number(match[2]));
  }
  if (!range || range.from < 100 || range.to > 599 || range.from > range.to) throw invalid();
  return range;
}

function comparison(operator: string, code: number): StatusRange {
  switch (operator) {
    case '>=':
      return { from: code, to: 599 };
    case '>':
      return { from: code + 1, to: 599 };
    case '<=':
      return { from: 100, to: code };
    default:
      return { from: 100, to: code - 1 };
  }
}
