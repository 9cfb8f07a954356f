import type { Logger } from 'pino';
import type { Exchange } from '../exchange.js';

/** pino's numeric levels of the two a request line is written at. */
const INFO = 30;
const WARN = 40;

/**
 * One log line per client request, from what its exchange already holds: who (workspace, environment,
 * key name), what (route, resource as requested), how it ended (status, duration, attempts, whether a
 * fallback answered, the provider and model of the last attempt). Never a body, a header or an error
 * message: a parse error quotes the body it failed on, and the audit row (by request id) has the rest.
 * A failure of vmx or of every provider (5xx) is a warning; a refused request (4xx) is the client's
 * and logs as info. Below the logger's level nothing is built.
 */
export function logRequest(logger: Logger, exchange: Exchange, durationMs: number): void {
  const level = exchange.status >= 500 ? WARN : INFO;
  if (logger.levelVal > level) return;
  const attempts = exchange.attempts;
  const last = attempts.length > 0 ? attempts[attempts.length - 1] : undefined;
  const fields = {
    requestId: exchange.requestId,
    route: exchange.route,
    workspace: exchange.env?.workspace.name,
    env: exchange.env?.environment.name,
    resource: exchange.resource ?? undefined,
    status: exchange.status,
    ms: Math.round(durationMs),
    // Attempts that reached a provider; the refusals' placeholder row (attempt 0) is not one.
    attempts: last?.provider ? attempts.length : 0,
    fallback: attempts.length > 1,
    provider: last?.provider ?? undefined,
    model: last?.model ?? undefined,
    key: exchange.key?.name,
  };
  const message = `${exchange.route} ${exchange.status} ${fields.ms}ms`;
  if (level === WARN) logger.warn(fields, message);
  else logger.info(fields, message);
}
