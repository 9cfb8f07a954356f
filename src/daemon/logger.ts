import pino, { type Logger } from 'pino';
import { tightenFiles } from '../config.js';

export type { Logger };

/**
 * The daemon's log: JSON lines appended to the data dir's log file (what `vmx logs` reads), and the
 * same to stdout in the foreground — pretty on a terminal, JSON otherwise.
 */
export async function createLogger(options: {
  file: string;
  stdout: 'pretty' | 'json' | 'none';
  level?: string;
}): Promise<Logger> {
  // The file is written synchronously: the daemon logs start-up, shutdown and failures, never a line
  // per request, and a synchronous file cannot lose its last lines when the process exits.
  // Owner-only like the rest of the data dir: created 0600, and a log left looser by an earlier
  // version is tightened (the destination is synchronous, so the file exists once it returns).
  const streams: pino.StreamEntry[] = [
    { stream: pino.destination({ dest: options.file, append: true, sync: true, mode: 0o600 }) },
  ];
  tightenFiles([options.file]);
  if (options.stdout === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    streams.push({ stream: pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }) });
  } else if (options.stdout === 'json') {
    streams.push({ stream: pino.destination({ dest: 1, sync: false }) });
  }
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      // Belt and braces: nothing that looks like a credential is ever written, whatever a caller logs.
      redact: {
        paths: ['*.authorization', '*.apiKey', '*["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]'],
        censor: '********',
      },
    },
    pino.multistream(streams),
  );
}
