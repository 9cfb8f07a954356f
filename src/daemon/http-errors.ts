import { CapacityError, VmxError, type ErrorCode } from '../errors.js';
import type { Dialect } from '../providers/registry.js';

/** How an error kind reads in each dialect (HTTP.md "Errors"). */
const shapes: Partial<Record<ErrorCode, { openaiCode: string; type: string }>> = {
  invalid_request: { openaiCode: 'invalid_request', type: 'invalid_request_error' },
  payload_too_large: { openaiCode: 'invalid_request', type: 'invalid_request_error' },
  usage_error: { openaiCode: 'invalid_request', type: 'invalid_request_error' },
  invalid_api_key: { openaiCode: 'invalid_api_key', type: 'authentication_error' },
  resource_not_allowed: { openaiCode: 'resource_not_allowed', type: 'permission_error' },
  permission_denied: { openaiCode: 'resource_not_allowed', type: 'permission_error' },
  not_found: { openaiCode: 'not_found', type: 'not_found_error' },
  blocked_by_routing_rule: { openaiCode: 'blocked_by_routing_rule', type: 'invalid_request_error' },
  capacity_exceeded: { openaiCode: 'capacity_exceeded', type: 'rate_limit_error' },
  upstream_error: { openaiCode: 'upstream_error', type: 'api_error' },
  upstream_timeout: { openaiCode: 'upstream_timeout', type: 'api_error' },
};

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The error response for a dialect: OpenAI `{error:{message,type,code,param}}` or Anthropic
 * `{type:"error",error:{type,message}}`. Anything that is not a VmxError is a bug: the client gets a
 * plain 500 without detail (the log and the audit row keep it).
 */
export function errorResponse(error: unknown, dialect: Dialect): ErrorResponse {
  const known = error instanceof VmxError;
  const status = known ? error.httpStatus : 500;
  const shape = (known && shapes[error.code]) || { openaiCode: 'internal_error', type: 'api_error' };
  const message = known ? error.message : 'internal error in the gateway (see `vmx logs`)';
  const headers: Record<string, string> = {};
  if (error instanceof CapacityError) headers['retry-after'] = String(error.retryAfterSeconds);
  const body =
    dialect === 'anthropic-messages'
      ? { type: 'error', error: { type: shape.type, message } }
      : { error: { message, type: shape.type, code: shape.openaiCode, param: null } };
  return { status, headers, body };
}

/** The same error as one SSE event, for failures after a stream has started. */
export function errorEvent(error: unknown, dialect: Dialect): string {
  const { body } = errorResponse(error, dialect);
  if (dialect === 'openai-chat') return `data: ${JSON.stringify(body)}\n\n`;
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
