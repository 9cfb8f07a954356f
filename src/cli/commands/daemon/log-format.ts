/** pino's numeric levels. */
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '34' },
  30: { name: 'INFO', color: '32' },
  40: { name: 'WARN', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

/** Fields every line has, printed in their own places or not at all. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);
const MAX_VALUE = 200;

/**
 * One JSON log line for people: `12:03:04.567 INFO  msg key=value …`. A line that is not JSON (an
 * older or foreign log) is returned as it is.
 */
export function prettyLogLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    entry = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === 'number' || typeof entry.time === 'string' ? new Date(entry.time) : undefined;
  const clock =
    time && !Number.isNaN(time.getTime())
      ? `${time.toTimeString().slice(0, 8)}.${String(time.getMilliseconds()).padStart(3, '0')}`
      : '--:--:--.---';
  const level = LEVELS[entry.level as number] ?? { name: String(entry.level ?? '?').toUpperCase(), color: '0' };
  const name = level.name.padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldValue(value)}`);
  const parts = [
    color ? `\x1b[90m${clock}\x1b[0m` : clock,
    color ? `\x1b[${level.color}m${name}\x1b[0m` : name,
    String(entry.msg ?? ''),
  ];
  if (fields.length) parts.push(color ? `\x1b[90m${fields.join(' ')}\x1b[0m` : fields.join(' '));
  return parts.join(' ');
}

function fieldValue(value: unknown): string {
  if (value && typeof value === 'object' && 'message' in value && typeof value.message === 'string')
    return JSON.stringify(value.message);
  const text = typeof value === 'string' && /^\S+$/.test(value) ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}
