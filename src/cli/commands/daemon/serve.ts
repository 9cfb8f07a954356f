import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOG_LEVELS, logLevel, type LogLevel } from '../../../config.js';
import { ConflictError, RuntimeError, UsageError } from '../../../errors.js';
import type { CliContext } from '../../context.js';
import { parseDuration } from '../../../durations.js';
import { defineVerb, flag, text, toggle } from '../../verb.js';
import { runningDaemon } from './daemon-process.js';
import { startDetached } from './detach.js';

export interface ServeOptions {
  host: string;
  port: number;
  graceMs: number;
  bodyLimit?: number;
  fileLimit?: number;
  requestTimeoutMs?: number;
  logLevel?: LogLevel;
}

export const verb = defineVerb({
  flags: {
    port: flag(
      '--port <port>',
      'port to listen on',
      (z) => z.coerce.number().check(z.int('must be a whole number'), z.gte(0), z.lte(65_535)),
      { default: 3000 },
    ),
    host: flag(
      '--host <host>',
      'address to bind (localhost only unless you ask otherwise)',
      (z) => z.string().check(z.trim(), z.minLength(1, 'must not be empty')),
      { default: '127.0.0.1' },
    ),
    detach: toggle('--detach', 'start in the background, wait until it answers, print its URL'),
    grace: flag('--grace <duration>', 'how long in-flight requests may finish on stop, e.g. 30s', (z) => z.string(), {
      default: '10s',
    }),
    bodyLimit: flag('--body-limit <size>', 'largest request body accepted, e.g. 10mb or 512kb', (z) => z.string()),
    fileLimit: flag('--file-limit <size>', 'largest batch input file POST /v1/files takes (default 100mb)', (z) =>
      z.string(),
    ),
    requestTimeout: flag(
      '--request-timeout <duration>',
      'cut a request whose body has not arrived whole by then (default 60s)',
      (z) => z.string(),
    ),
    logLevel: flag(
      '--log-level <level>',
      `the log's level: ${LOG_LEVELS.join(', ')} (env VMX_LOG_LEVEL; default info, one line per request; warn leaves those out)`,
      (z) => z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    ),
    redisUrl: text(
      '--redis-url <url>',
      'with a shared store: Redis for the capacity counters and error rates (env VMX_REDIS_URL; default: PostgreSQL)',
    ),
  },
  async run(input, ctx) {
    const options: ServeOptions = {
      host: input.host,
      port: input.port,
      graceMs: parseDuration(input.grace, '--grace'),
      bodyLimit: input.bodyLimit === undefined ? undefined : parseSize(input.bodyLimit, '--body-limit'),
      fileLimit: input.fileLimit === undefined ? undefined : parseSize(input.fileLimit, '--file-limit'),
      requestTimeoutMs:
        input.requestTimeout === undefined ? undefined : parseDuration(input.requestTimeout, '--request-timeout'),
      logLevel: input.logLevel ?? envLogLevel(ctx.deps.env),
    };
    const running = runningDaemon(ctx.paths);
    if (running) {
      throw new ConflictError(
        `vmx is already running at ${running.url} (pid ${running.pid})`,
        'stop it first with `vmx stop`',
      );
    }
    if (!isLoopback(options.host)) {
      ctx.out.warn(
        `binding to ${options.host}: the gateway will be reachable from other machines (clients still need an API key)`,
      );
    }
    const env = daemonEnv(ctx, input.redisUrl);
    if (input.detach) return startDetached(ctx, daemonMain(), daemonArgs(ctx, options, 'none'), env);
    const format = ctx.out.json || !ctx.deps.stdout.isTTY ? 'json' : 'pretty';
    await runForeground(ctx, daemonArgs(ctx, options, format), env);
  },
});

/** The daemon's entry point, next to the CLI bundle (dist/cli or dist/chunks → dist/daemon). */
function daemonMain(): string {
  const path = fileURLToPath(new URL('../daemon/main.js', import.meta.url));
  if (!existsSync(path)) throw new RuntimeError(`the daemon is missing at ${path}`, 'rebuild vmx with `npm run build`');
  return path;
}

/**
 * The daemon's environment: the store URLs and the key file go by environment, not by argument, so
 * that a password in a URL never shows in the process list.
 */
function daemonEnv(ctx: CliContext, redisFlag: string | undefined): NodeJS.ProcessEnv {
  const { databaseUrl, redisUrl } = ctx.storeUrls();
  const redis = redisFlag || redisUrl;
  return {
    ...ctx.deps.env,
    ...(databaseUrl && { VMX_DATABASE_URL: databaseUrl }),
    ...(databaseUrl && redis && { VMX_REDIS_URL: redis }),
    ...(ctx.flags.secretKeyFile && { VMX_SECRET_KEY_FILE: ctx.flags.secretKeyFile }),
  };
}

function daemonArgs(ctx: CliContext, options: ServeOptions, logFormat: 'pretty' | 'json' | 'none'): string[] {
  return [
    '--home',
    ctx.paths.home,
    '--host',
    options.host,
    '--port',
    String(options.port),
    '--grace-ms',
    String(options.graceMs),
    '--log-format',
    logFormat,
    ...(options.bodyLimit === undefined ? [] : ['--body-limit', String(options.bodyLimit)]),
    ...(options.fileLimit === undefined ? [] : ['--file-limit', String(options.fileLimit)]),
    ...(options.requestTimeoutMs === undefined ? [] : ['--request-timeout-ms', String(options.requestTimeoutMs)]),
    ...(options.logLevel === undefined ? [] : ['--log-level', options.logLevel]),
  ];
}

/**
 * The daemon as a child with our stdout; SIGINT/SIGTERM are passed on so it drains and exits cleanly,
 * and it stops the same way when this process dies (see the IPC channel below).
 * Its stderr is relayed, except its `error:` line, which becomes this command's error (exit 1) so
 * there is one error line, in JSON under --json.
 */
async function runForeground(ctx: CliContext, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  // The IPC channel carries no messages: the daemon watches it close, so that if this process is
  // killed (even with SIGKILL, which cannot be forwarded) the daemon stops instead of living on.
  const child = spawn(process.execPath, [daemonMain(), ...args], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env,
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  let failure: string | undefined;
  let pending = '';
  const relay = (line: string) => {
    const match = /^error:\s*(.*)$/.exec(line);
    if (match && failure === undefined) failure = match[1];
    else ctx.deps.stderr.write(`${line}\n`);
  };
  // Piped (stdio[2] above), so never null; the typing cannot tell with an IPC entry in the list.
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    lines.forEach(relay);
  });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    });
    if (pending) relay(pending);
    if (code === 0) {
      if (failure !== undefined) ctx.deps.stderr.write(`error: ${failure}\n`);
      return;
    }
    throw new RuntimeError(
      failure ?? (signal ? `the daemon was killed by ${signal}` : `the daemon exited with code ${code}`),
    );
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

/** VMX_LOG_LEVEL when it is set; a value that is no level is a usage error here, not the daemon's failure. */
function envLogLevel(env: NodeJS.ProcessEnv): LogLevel | undefined {
  if (!env.VMX_LOG_LEVEL) return undefined;
  const level = logLevel(env.VMX_LOG_LEVEL);
  if (!level)
    throw new UsageError(`invalid VMX_LOG_LEVEL '${env.VMX_LOG_LEVEL}': expected one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

/** `10mb`, `512kb`, `1048576` → bytes. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?b?)$/i.exec(text.trim());
  const bytes = match ? Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] || 'b').toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`invalid ${flag} '${text}': expected a size such as 10mb, 512kb or a number of bytes`);
  }
  return bytes;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
