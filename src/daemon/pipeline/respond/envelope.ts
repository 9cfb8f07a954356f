/** A model as events and headers name it. */
export interface ModelLabel {
  connection: string;
  provider: string;
  model: string;
}

export type VmxEvent =
  | { type: 'routing'; at: string; from: ModelLabel; to: ModelLabel; rule: string }
  | { type: 'fallback'; at: string; failed: ModelLabel; status: number; reason: string };

export interface Timings {
  gateMs: number;
  routingMs: number;
  providerMs: number;
  totalMs: number;
  ttftMs?: number;
}

/** The `vmx` object added to responses (top level of JSON bodies; first and last stream events). */
export function envelope(requestId: string, events: VmxEvent[], timings: Timings) {
  return {
    requestId,
    events,
    metrics: {
      gateMs: round(timings.gateMs),
      routingMs: round(timings.routingMs),
      providerMs: round(timings.providerMs),
      totalMs: round(timings.totalMs),
      ...(timings.ttftMs !== undefined && { ttftMs: round(timings.ttftMs) }),
    },
  };
}

/**
 * A JSON object's text with `"vmx"` added as its last member, spliced in before the closing brace:
 * the provider's own bytes stay as they are. The text must be a non-empty object.
 */
export function withVmx(json: string, envelope: object): string {
  return `${json.slice(0, json.lastIndexOf('}'))},"vmx":${JSON.stringify(envelope)}}`;
}

/** The `x-vmx-*` headers of a successful response (HTTP.md), added to `headers`. */
export function vmxHeaders(
  input: {
    requestId: string;
    resource: string;
    answered: ModelLabel;
    gateMs: number;
    routingMs: number;
    correlationId?: string;
    events: VmxEvent[];
  },
  headers: Record<string, string> = {},
): Record<string, string> {
  headers['x-vmx-request-id'] = input.requestId;
  headers['x-vmx-resource'] = input.resource;
  headers['x-vmx-provider'] = input.answered.provider;
  headers['x-vmx-model'] = input.answered.model;
  headers['x-vmx-connection'] = input.answered.connection;
  headers['x-vmx-gate-ms'] = String(round(input.gateMs));
  headers['x-vmx-routing-ms'] = String(round(input.routingMs));
  headers['x-vmx-event-count'] = String(input.events.length);
  if (input.correlationId) headers['x-vmx-correlation-id'] = input.correlationId;
  input.events.forEach((event, i) => {
    const prefix = `x-vmx-event-${i}`;
    headers[`${prefix}-type`] = event.type;
    if (event.type === 'routing') {
      headers[`${prefix}-from`] = label(event.from);
      headers[`${prefix}-to`] = label(event.to);
    } else {
      headers[`${prefix}-from`] = label(event.failed);
      headers[`${prefix}-reason`] = headerSafe(`${event.status} ${event.reason}`);
    }
  });
  return headers;
}

const label = (model: ModelLabel) => `${model.connection}/${model.model}`;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
/** Header values must be visible ASCII; provider messages are not always. */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
