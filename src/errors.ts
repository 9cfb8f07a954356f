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
  | 'runtime_error';

/** Base class of every error vmx raises on purpose. Anything else is a bug and maps to exit 1 / HTTP 500. */
export class VmxError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly httpStatus: number;
  /** Optional second line for humans, e.g. the command that fixes the problem. */
  readonly hint?: string;

  constructor(
    message: string,
    kind: { code: ErrorCode; exitCode: number; httpStatus: number },
    hint?: string,
  ) {
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
