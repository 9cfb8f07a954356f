import { redactSecrets } from '../../../providers/redact.js';
import type { UpstreamResponse } from '../../../providers/types.js';

/** Provider headers clients read (HTTP.md "Response"): request ids, retry advice, timings. */
const exact = new Set([
  'x-request-id',
  'request-id',
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'openai-processing-ms',
]);

/**
 * The answering provider's headers that are passed on to the client, on success and on error:
 * the above, and every `x-ratelimit-*` / `anthropic-ratelimit-*`, with the connection's secret values
 * blanked, added to `out`. Nothing else is copied: hop-by-hop, length and encoding headers describe the provider's
 * connection, and `openai-organization` names the provider account behind the gateway.
 */
export function forwardedHeaders(
  headers: UpstreamResponse['headers'],
  secret: Record<string, string>,
  out: Record<string, string> = {},
): Record<string, string> {
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (exact.has(name) || name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-')) {
      // A provider may echo what it was sent; the connection's credentials never go further.
      out[name] = redactSecrets(Array.isArray(value) ? value.join(', ') : value, secret);
    }
  }
  return out;
}
