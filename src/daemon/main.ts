import { parseArgs } from 'node:util';
import { logLevel } from '../config.js';
import { startDaemon } from './server.js';

/**
 * The daemon process. `vmx serve` starts it (in the foreground or detached); it is not meant to be
 * run by hand. Exit code 0 after a clean shutdown, 1 when it cannot start.
 */
const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '3000' },
    'grace-ms': { type: 'string', default: '10000' },
    'log-format': { type: 'string' },
    'log-level': { type: 'string' },
    'body-limit': { type: 'string' },
    'file-limit': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
  },
  strict: true,
});

try {
  const daemon = await startDaemon({
    home: values.home,
    host: values.host!,
    port: Number(values.port),
    graceMs: Number(values['grace-ms']),
    bodyLimit: values['body-limit'] ? Number(values['body-limit']) : undefined,
    fileLimit: values['file-limit'] ? Number(values['file-limit']) : undefined,
    requestTimeoutMs: values['request-timeout-ms'] ? Number(values['request-timeout-ms']) : undefined,
    stdout:
      (values['log-format'] as 'pretty' | 'json' | 'none' | undefined) ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    logLevel: logLevel(values['log-level']),
    writerThread: new URL('./pipeline/record/writer-thread.js', import.meta.url),
  });
  // A crash after start-up leaves its reason in the log that `vmx logs` reads.
  process.on('uncaughtException', (error) => {
    daemon.logger.fatal({ err: error }, 'uncaught exception: exiting');
    daemon.logger.flush(() => process.exit(1));
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void daemon.close(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  superviseByParent(stop);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  // Not process.exit(): the log stream may still be opening, and exiting under it crashes noisily.
  process.exitCode = 1;
}

/**
 * A foreground `vmx serve` starts the daemon with an IPC channel and nothing else on it. The channel
 * closes when that process ends however it ends (kill -9 included), and the daemon then stops as on
 * SIGTERM instead of serving on as an orphan that blocks the next `vmx serve`. A detached daemon has
 * no channel and runs on its own.
 */
function superviseByParent(stop: (reason: string) => void): void {
  if (!process.send) return;
  process.once('disconnect', () => {
    // Its stderr is a pipe to the process that is gone: a late write must not crash the drain.
    process.stderr.on('error', () => {});
    stop('parent exited');
  });
  // The channel alone must not keep the process alive (the server does, until it is closed).
  process.channel?.unref();
}
