/**
 * How each dialect writes an error body, and how vmx reads one a provider sent, so that a provider's
 * error reaches the client as the provider said it: verbatim when the client speaks the provider's
 * error shape, else rewritten into the client's shape keeping status, message and the nearest type.
 */

/** What vmx reads of a provider's error body. */
export interface ProviderErrorInfo {
  message: string;
  /** The provider's error type (`invalid_request_error`, `overloaded_error`, an AWS exception name …). */
  type?: string;
  /** OpenAI's `code` (`context_length_exceeded`, `rate_limit_exceeded` …). */
  code?: string;
  param?: unknown;
}

/** One dialect's error shape: dialects that share a shape share the object (OpenAI Chat and Responses). */
export interface ErrorShape {
  /** The error of a parsed body in this shape; undefined when the body is not one. */
  read(body: unknown): ProviderErrorInfo | undefined;
  /** An error body in this shape. */
  write(error: { message: string; type: string; code: string | null; param?: unknown }): Record<string, unknown>;
}

/** The error types clients act on, by the status that usually carries them (Anthropic's list, which OpenAI's SDK reads as well). */
const typeByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};
const knownTypes = new Set(Object.values(typeByStatus));

/**
 * The nearest error type of the client's vocabulary: the provider's own when it is one of them
 * (`overloaded_error` stays `overloaded_error`), else the one its status stands for.
 */
export function nearestErrorType(status: number, providerType: string | undefined): string {
  if (providerType && knownTypes.has(providerType)) return providerType;
  return typeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}
