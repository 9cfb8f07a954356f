/**
 * The one place error kinds are defined. Each kind carries a stable `code`, the CLI exit code and the
 * HTTP status it maps to; the CLI (cli/main.ts) and the daemon's error handler are the only two places
 * that translate a kind into output.
 */

/** Exit codes of the CLI contract (CLI.md). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  permission: 4,
  conflict: 5,
  cancelled: 130,
} as const;

export type ErrorCode =
  | 'usage_error'
  | 'not_found'
  | 'permission_denied'
  | 'conflict'
  | 'cancelled'
  | 'runtime_error'
  // daemon (HTTP) kinds
  | 'invalid_request'
  | 'payload_too_large'
  | 'invalid_api_key'
  | 'resource_not_allowed'
  | 'blocked_by_routing_rule'
  | 'capacity_exceeded'
  | 'prioritization_denied'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'provider_error'
  | 'method_not_allowed'
  | 'busy';

/** Base class of every error vmx raises on purpose. Anything else is a bug and maps to exit 1 / HTTP 500. */
export class VmxError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly httpStatus: number;
  /** Optional second line for humans, e.g. the command that fixes the problem. */
  readonly hint?: string;

  constructor(message: string, kind: { code: ErrorCode; exitCode: number; httpStatus: number }, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.code = kind.code;
    this.exitCode = kind.exitCode;
    this.httpStatus = kind.httpStatus;
    this.hint = hint;
  }
}

/** Bad or missing input: a flag, an argument, a value that fails validation. */
export class UsageError extends VmxError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'usage_error', exitCode: ExitCode.usage, httpStatus: 400 }, hint);
  }
}

/** A referenced entity does not exist. */
export class NotFoundError extends VmxError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'not_found', exitCode: ExitCode.notFound, httpStatus: 404 }, hint);
  }
}

/** The acting user may not do this: not a member, or not an owner. */
export class PermissionError extends VmxError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'permission_denied', exitCode: ExitCode.permission, httpStatus: 403 }, hint);
  }
}

/** The change conflicts with what exists: a duplicate name, the last owner of a workspace. */
export class ConflictError extends VmxError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'conflict', exitCode: ExitCode.conflict, httpStatus: 409 }, hint);
  }
}

/** The user cancelled at a prompt or declined a confirmation. */
export class CancelledError extends VmxError {
  constructor(message = 'cancelled') {
    super(message, { code: 'cancelled', exitCode: ExitCode.cancelled, httpStatus: 499 });
  }
}

/** A failure that is nobody's input mistake: I/O, a daemon that does not answer, a keychain error. */
export class RuntimeError extends VmxError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'runtime_error', exitCode: ExitCode.failure, httpStatus: 500 }, hint);
  }
}

/** A client request the daemon cannot serve as sent: bad JSON, missing or mistyped fields. */
export class InvalidRequestError extends VmxError {
  constructor(message: string, status = 400) {
    super(message, {
      code: status === 413 ? 'payload_too_large' : 'invalid_request',
      exitCode: ExitCode.usage,
      httpStatus: status,
    });
  }
}

/** The path exists, but not for this method. */
export class MethodNotAllowedError extends VmxError {
  /** The methods the path takes (the `Allow` header). */
  readonly allowed: string[];
  constructor(message: string, allowed: string[]) {
    super(message, { code: 'method_not_allowed', exitCode: ExitCode.usage, httpStatus: 405 });
    this.allowed = allowed;
  }
}

/** The gateway has as much in hand as it takes right now; the client should come back shortly. */
export class BusyError extends VmxError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message, { code: 'busy', exitCode: ExitCode.failure, httpStatus: 503 });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** No key, an unknown/disabled/expired key, or a key of another environment (indistinguishable on purpose). */
export class AuthenticationError extends VmxError {
  constructor(message = 'invalid API key') {
    super(message, { code: 'invalid_api_key', exitCode: ExitCode.permission, httpStatus: 401 });
  }
}

/** The key's allow-list does not include this resource. */
export class ResourceNotAllowedError extends VmxError {
  constructor(resource: string) {
    super(`this API key may not use resource '${resource}'`, {
      code: 'resource_not_allowed',
      exitCode: ExitCode.permission,
      httpStatus: 403,
    });
  }
}

/** A routing rule with action BLOCK matched the request. */
export class BlockedError extends VmxError {
  constructor(rule: string) {
    super(`request blocked by routing rule: ${rule}`, {
      code: 'blocked_by_routing_rule',
      exitCode: ExitCode.usage,
      httpStatus: 400,
    });
  }
}

/** A capacity limit (key, resource or connection level) has no room left in its window. */
export class CapacityError extends VmxError {
  /** Seconds until the window that refused the request ends. */
  readonly retryAfterSeconds: number;
  /** @param code `prioritization_denied` when a pool's share refused, not a limit. */
  constructor(
    message: string,
    retryAfterSeconds: number,
    code: 'capacity_exceeded' | 'prioritization_denied' = 'capacity_exceeded',
  ) {
    super(message, { code, exitCode: ExitCode.failure, httpStatus: 429 });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** One failed provider attempt: what failed, how, and whether another model is worth trying. */
export interface AttemptFailure {
  connection: string;
  provider: string;
  model: string;
  /** The provider's HTTP status, or the gateway's (502 unreachable, 504 timeout, 429 capacity). */
  status: number;
  reason: string;
  /** Whether falling back to the next model makes sense (HTTP.md "Fallback"). */
  retryable: boolean;
}

/**
 * Every attempt failed. The status is the last attempt's; the message names each failed model and why.
 * The provider's detail stays in the audit row; the client sees the summary.
 */
export class UpstreamError extends VmxError {
  readonly attempts: AttemptFailure[];
  constructor(attempts: AttemptFailure[]) {
    const last = attempts.at(-1);
    const timeout = last?.status === 504;
    super(
      attempts.length === 1 && last
        ? `${last.connection}/${last.model} failed: ${last.reason}`
        : `every model failed: ${attempts.map((a) => `${a.connection}/${a.model}: ${a.reason}`).join('; ')}`,
      {
        code: timeout ? 'upstream_timeout' : 'upstream_error',
        exitCode: ExitCode.failure,
        httpStatus: last?.status ?? 502,
      },
    );
    this.attempts = attempts;
  }
}

/** A provider's answer with an error status, kept as sent so the client can be told what the provider said. */
export interface ProviderAnswer {
  status: number;
  /** The body as sent (credentials the provider echoed are blanked). */
  body: string;
  /** The provider's headers that clients read: request id, rate limits, retry-after. */
  headers: Record<string, string>;
  /** The dialect vmx spoke to the provider, which says how to read the body. */
  dialect: string;
}

/**
 * The last (or only) attempt was answered by its provider with an error status. The client gets that
 * status and the provider's error — as sent when it speaks the provider's dialect, else in its own
 * dialect's shape (HTTP.md "Errors"); earlier failed attempts are in the envelope's events.
 */
export class ProviderError extends VmxError {
  readonly answer: ProviderAnswer;
  readonly attempts: AttemptFailure[];
  constructor(answer: ProviderAnswer, attempts: AttemptFailure[]) {
    const last = attempts.at(-1);
    super(last ? `${last.connection}/${last.model} failed: ${last.reason}` : `the provider answered ${answer.status}`, {
      code: 'provider_error',
      exitCode: ExitCode.failure,
      httpStatus: answer.status,
    });
    this.answer = answer;
    this.attempts = attempts;
  }
}
