import type { UsageFigures } from '../../../store/repos/usage.js';
import { formatCount } from '../../io/output.js';
import { formatUsd } from './window.js';

const LEVELS = '▁▂▃▄▅▆▇█';

/**
 * One line of bars, one per value: the largest a full block, zero a blank (so an idle stretch looks
 * idle, not low). More values than `width` are added up in runs of equal length, so the line fits.
 */
export function sparkline(values: number[], width: number): string {
  const per = Math.max(1, Math.ceil(values.length / Math.max(1, width)));
  const cells: number[] = [];
  for (let i = 0; i < values.length; i += per) cells.push(values.slice(i, i + per).reduce((a, b) => a + b, 0));
  const max = Math.max(0, ...cells);
  return cells
    .map((value) => (value <= 0 ? ' ' : LEVELS[Math.min(LEVELS.length - 1, Math.floor((value / max) * LEVELS.length))]))
    .join('');
}

/**
 * Requests, tokens and cost over the buckets, a sparkline each with its total and peak, and under them
 * the first and last bucket and what one bar stands for; `columns` is the terminal's width.
 */
export function usageChart(
  buckets: Array<[string, UsageFigures]>,
  unit: string,
  columns: number,
  label: (key: string) => string,
) {
  const series: Array<[string, number[], (n: number) => string]> = [
    ['requests', buckets.map(([, f]) => f.requests), formatCount],
    ['tokens', buckets.map(([, f]) => f.totalTokens), formatCount],
    ['cost', buckets.map(([, f]) => f.costNano / 1e9), formatUsd],
  ];
  const width = Math.max(10, Math.min(buckets.length, columns - 12 - 36));
  const lines = series.map(([name, values, format]) => {
    const total = values.reduce((a, b) => a + b, 0);
    const line = sparkline(values, width);
    return `${name.padEnd(10)}│${line}│ total ${format(total)}, peak ${format(Math.max(0, ...values))}`;
  });
  const per = Math.max(1, Math.ceil(buckets.length / width));
  const scale = per === 1 ? `1 bar = 1 ${unit}` : `1 bar = ${per} ${unit}s`;
  return [...lines, `${' '.repeat(11)}${label(buckets[0]![0])} → ${label(buckets.at(-1)![0])}, ${scale}`].join('\n');
}
