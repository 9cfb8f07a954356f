import type { CallSignal } from './cancel.js';
import { headerField, headerNames, legacyHeaderValues } from './connection-config.js';
import type { WireEvent } from './pivot.js';
import type { Dialect } from './dialects/index.js';

export type { Dialect };

/**
 * What an adapter needs to know about a vmx connection. Providers never read the store; the daemon
 * hands them this (and the secret fields, read from the keychain) per attempt.
 */
export interface ConnectionTarget {
  id: string;
  name: string;
  provider: string;
  /**
   * Non-secret config as stored (baseUrl, header names, region, timeouts …). Adapters read it typed,
   * through their provider's schema (`AdapterDeps.settings` in provider.ts).
   */
  config: Record<string, unknown>;
  /**
   * Every secret value of the connection (apiKey, or accessKeyId/secretAccessKey, and `header:<name>`
   * per extra header); env overrides already applied. Whatever a provider says is redacted with these.
   */
  secret: Record<string, string>;
  /** The extra request headers (`--header`), name → value, the values taken from `secret`. */
  headers: Record<string, string>;
  /** Changes when the connection is edited; adapters key their connection pools on it. */
  version: string;
}

/**
 * A vmx connection (as stored) and its secret fields, as an adapter takes them. A row written before
 * header values were secrets still has them in config: they are used, counted as secrets (so they are
 * redacted) and dropped from the config the adapter sees; a value in the credential store wins.
 */
export function connectionTarget(
  connection: { id: string; name: string; provider: string; config: Record<string, unknown>; updatedAt: string },
  secret: Record<string, string>,
): ConnectionTarget {
  const legacy = legacyHeaderValues(connection.config);
  const names = headerNames(connection.config);
  const config = legacy ? { ...connection.config, headers: names } : connection.config;
  const secrets = legacy ? { ...legacy, ...secret } : secret;
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = secrets[headerField(name)];
    if (value !== undefined) headers[name] = value;
  }
  return {
    id: connection.id,
    name: connection.name,
    provider: connection.provider,
    config,
    secret: secrets,
    headers,
    version: connection.updatedAt,
  };
}

/** One provider call in a dialect the provider speaks natively (passthrough). */
export interface NativeCall {
  dialect: Dialect;
  /** The body to send, as an object (the client's body with `model` replaced and `vmx` removed). */
  body: Record<string, unknown>;
  stream: boolean;
  /** Aborted when the client goes away or the request is given up. */
  signal: CallSignal;
}

/** The provider's raw HTTP answer: status, headers and the body as a byte stream (not yet read). */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { text(): Promise<string>; destroy(error?: Error): void };
  /**
   * Stream events already parsed by the provider's SDK (Bedrock ConverseStream); when present the
   * pipeline reads these instead of parsing SSE from `body`.
   */
  events?: AsyncIterable<WireEvent>;
}

/**
 * A provider adapter: a small object per provider id, made by the provider's factory (see provider.ts
 * and registry.ts). Adapters only do I/O at the network edge; what a body means is for the dialect
 * codecs and the pipeline.
 */
export interface ProviderAdapter {
  /**
   * The dialect to talk to this provider in, for a request that arrived in `inbound` for `model`:
   * `inbound` itself when the provider speaks it natively for that model (passthrough), else the
   * dialect to convert to.
   */
  dialectFor(inbound: Dialect, model: string): Dialect;
  /**
   * Starts loading what the adapter needs before its first call (a provider SDK), once a connection
   * of this provider is configured; a failed load is reported by the call that needs it.
   */
  prepare?(): void;
  /** Sends a request in one of the provider's dialects; resolves when the status line and headers arrive. */
  send(target: ConnectionTarget, call: NativeCall): Promise<UpstreamResponse>;
  /** Counts a Messages request's input tokens natively, where the provider can (Anthropic). */
  countTokens?(target: ConnectionTarget, body: Record<string, unknown>, signal: AbortSignal): Promise<number>;
  /** Lists the provider's models (for `vmx connection test`, see probe.ts). */
  listModels?(target: ConnectionTarget, signal: AbortSignal): Promise<string[]>;
}

/**
 * A failure before any answer arrived (connect refused, DNS, timeout) or an answer that cannot be
 * used. `status` is the gateway's stand-in: 502 unreachable, 504 timed out.
 */
export class UpstreamUnavailable extends Error {
  constructor(
    message: string,
    readonly status: 502 | 504,
  ) {
    super(message);
    this.name = 'UpstreamUnavailable';
  }
}
