import {
  BusyError,
  CapacityError,
  MethodNotAllowedError,
  ProviderError,
  UpstreamError,
  VmxError,
  type ErrorCode,
  type ProviderAnswer,
} from '../errors.js';
import { nearestErrorType } from '../providers/dialects/error-shape.js';
import { dialectSpec, errorShapes } from '../providers/dialects/index.js';
import type { Dialect } from '../providers/registry.js';
import { withVmx } from './pipeline/respond/envelope.js';

/** How an error kind of the gateway's own reads in each dialect (HTTP.md "Errors"). */
const shapes: Partial<Record<ErrorCode, { openaiCode: string; type: string }>> = {
  invalid_request: { openaiCode: 'invalid_request', type: 'invalid_request_error' },
  payload_too_large: { openaiCode: 'invalid_request', type: 'invalid_request_error' },
  usage_error: { openaiCode: 'invalid_request', type: 'invalid_request_error' },
  invalid_api_key: { openaiCode: 'invalid_api_key', type: 'authentication_error' },
  resource_not_allowed: { openaiCode: 'resource_not_allowed', type: 'permission_error' },
  permission_denied: { openaiCode: 'resource_not_allowed', type: 'permission_error' },
  not_found: { openaiCode: 'not_found', type: 'not_found_error' },
  method_not_allowed: { openaiCode: 'method_not_allowed', type: 'invalid_request_error' },
  busy: { openaiCode: 'busy', type: 'overloaded_error' },
  blocked_by_routing_rule: { openaiCode: 'blocked_by_routing_rule', type: 'invalid_request_error' },
  capacity_exceeded: { openaiCode: 'capacity_exceeded', type: 'rate_limit_error' },
  prioritization_denied: { openaiCode: 'prioritization_denied', type: 'rate_limit_error' },
  upstream_error: { openaiCode: 'upstream_error', type: 'api_error' },
  upstream_timeout: { openaiCode: 'upstream_timeout', type: 'api_error' },
};

export interface ErrorResponse {
  status: number;
  /** content-type included. */
  headers: Record<string, string>;
  /** The JSON body, serialised. */
  text: string;
}

/**
 * The error response for a dialect: OpenAI `{error:{message,type,code,param}}` or Anthropic
 * `{type:"error",error:{type,message}}`. A provider's error keeps its status and what it said (see
 * providerError). Anything that is not a VmxError is a bug: the client gets a plain 500 without
 * detail (the log and the audit row keep it). `envelope`, when given, goes beside `error` as `vmx` on
 * errors that followed provider attempts.
 */
export function errorResponse(error: unknown, dialect: Dialect, envelope?: object): ErrorResponse {
  if (error instanceof ProviderError) return providerError(error.answer, dialect, envelope);
  const known = error instanceof VmxError;
  const status = known ? error.httpStatus : 500;
  const shape = (known && shapes[error.code]) || { openaiCode: 'internal_error', type: 'api_error' };
  const message = known ? error.message : 'internal error in the gateway (see `vmx logs`)';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error instanceof CapacityError || error instanceof BusyError)
    headers['retry-after'] = String(error.retryAfterSeconds);
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  const body: Record<string, unknown> = errorShapes[dialect].write({
    message,
    type: shape.type,
    code: shape.openaiCode,
  });
  if (envelope && error instanceof UpstreamError) body.vmx = envelope;
  return { status, headers, text: JSON.stringify(body) };
}

/** Messages that mean the prompt did not fit the model's context, in the providers' words. */
const CONTEXT_EXCEEDED = /prompt is too long|input is too long|context length|context window/i;

/**
 * A provider's error answer, passed on. When the client speaks the provider's error shape the body
 * goes out as sent (the envelope spliced in beside `error`); otherwise it is rewritten in the client's
 * shape with the provider's status and message and the nearest type (`overloaded_error` stays
 * itself). Either way the provider's request-id, rate-limit and retry headers come along.
 */
function providerError(answer: ProviderAnswer, dialect: Dialect, envelope: object | undefined): ErrorResponse {
  const headers = { ...answer.headers, 'content-type': 'application/json' };
  const source = errorShapes[answer.dialect as Dialect];
  const target = errorShapes[dialect];
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    parsed = undefined;
  }
  const said = source?.read(parsed);
  if (said && source === target) {
    const text = envelope ? withVmx(answer.body, envelope) : answer.body;
    return { status: answer.status, headers, text };
  }
  const message =
    said?.message ?? (answer.body.trim().slice(0, 300) || `the provider answered ${answer.status} without a message`);
  // OpenAI's clients act on `code`; a context overflow said in other words gets OpenAI's code for it.
  const code = said?.code ?? (CONTEXT_EXCEEDED.test(message) ? 'context_length_exceeded' : null);
  const body: Record<string, unknown> = target.write({
    message,
    type: nearestErrorType(answer.status, said?.type),
    code,
    param: said?.param,
  });
  if (envelope) body.vmx = envelope;
  return { status: answer.status, headers, text: JSON.stringify(body) };
}

/** The same error as one SSE event, for failures after a stream has started. */
export function errorEvent(error: unknown, dialect: Dialect): string {
  return dialectSpec(dialect).errorEvent(errorResponse(error, dialect).text);
}
