import pino, { type Logger } from 'pino';
import { tightenFiles, type LogLevel } from '../config.js';

export type { Logger };

/** The request-line logger made with each daemon logger (see requestLogger). */
const requestLoggers = new WeakMap<Logger, Logger>();

/**
 * The daemon's log: JSON lines appended to the data dir's log file (what `vmx logs` reads), and the
 * same to stdout in the foreground — pretty on a terminal, JSON otherwise.
 */
export async function createLogger(options: {
  file: string;
  stdout: 'pretty' | 'json' | 'none';
  level?: LogLevel;
}): Promise<Logger> {
  // The file is written asynchronously: a line per request must not block the request path on a
  // write. Lines written while a write is under way go out together with the next one, and pino
  // flushes what is left synchronously when the process exits. minLength 1 writes every line at
  // once, as 0 would, but lets flush() wait for the writes under way.
  // Owner-only like the rest of the data dir: created 0600, and a log left looser by an earlier
  // version is tightened (an existing file is there before the destination opens it).
  const file = pino.destination({ dest: options.file, append: true, sync: false, minLength: 1, mode: 0o600 });
  tightenFiles([options.file]);
  const level = options.level ?? 'info';
  const destination = await withStdout(file, options.stdout);
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      // Belt and braces: nothing that looks like a credential is ever written, whatever a caller logs.
      redact: {
        paths: ['*.authorization', '*.apiKey', '*["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]'],
        censor: '********',
      },
    },
    destination,
  );
  // The line per request has fixed fields (names, ids, numbers; never a header or a body), so it
  // skips the redaction pass, a third of its cost; same level and destination.
  requestLoggers.set(logger, pino({ level, base: { pid: process.pid } }, destination));
  return logger;
}

/**
 * The logger a daemon's request lines go to: the redaction-free sibling createLogger made with
 * `logger`, or `logger` itself when it was made elsewhere (tests).
 */
export function requestLogger(logger: Logger): Logger {
  return requestLoggers.get(logger) ?? logger;
}

/** The file alone, or the file and stdout through a multistream (which costs each line a little more). */
async function withStdout(
  file: ReturnType<typeof pino.destination>,
  stdout: 'pretty' | 'json' | 'none',
): Promise<pino.DestinationStream> {
  if (stdout === 'none') return file;
  // Each stream takes every line the logger lets through: the logger's level decides (a stream's own
  // level would default to info, and drop debug lines the logger was asked for).
  const streams: pino.StreamEntry[] = [{ stream: file, level: 'trace' }];
  if (stdout === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    streams.push({
      stream: pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }),
      level: 'trace',
    });
  } else {
    streams.push({ stream: pino.destination({ dest: 1, sync: false }), level: 'trace' });
  }
  const destination = pino.multistream(streams);
  // logger.flush(done) waits until the file has every line (a multistream has no flush of its own).
  return Object.assign(destination, { flush: (done: (error?: Error) => void) => file.flush(done) });
}
