import { Agent, errors as undiciErrors } from 'undici';
import type { CallSignal } from '../cancel.js';
import { connectionTimeouts, type ConnectionTimeouts } from '../connection-config.js';
import type { ConnectionTarget, UpstreamResponse } from '../types.js';
import { UpstreamUnavailable } from '../types.js';

/**
 * Keep-alive HTTP to providers through undici, one connection pool per vmx connection (and version,
 * so an edited timeout or base URL takes effect). undici is the fastest HTTP client for Node, and its
 * timeouts map directly onto the connection's (connection-config.ts `connectionTimeouts`, defaults from
 * HTTP.md): connect, first byte (`headersTimeout`) and idle gap (`bodyTimeout`, the longest pause
 * between two body chunks, in a stream or a JSON answer alike, counted only while the reader waits).
 */
export class UpstreamClient {
  private readonly agents = new Map<string, { version: string; agent: Agent }>();

  async request(
    target: ConnectionTarget,
    request: {
      url: string;
      method: 'GET' | 'POST';
      headers: Record<string, string>;
      body?: string;
      signal: CallSignal;
    },
  ): Promise<UpstreamResponse> {
    const agent = this.agentFor(target);
    try {
      const { origin, path } = split(request.url);
      const response = await agent.request({
        origin,
        path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw describeFailure(error, target);
    }
  }

  close(): Promise<void> {
    const closing = [...this.agents.values()].map(({ agent }) => agent.close());
    this.agents.clear();
    return Promise.all(closing).then(() => undefined);
  }

  private agentFor(target: ConnectionTarget): Agent {
    const cached = this.agents.get(target.id);
    if (cached && cached.version === target.version) return cached.agent;
    void cached?.agent.close();
    const agent = upstreamAgent(connectionTimeouts(target.config));
    this.agents.set(target.id, { version: target.version, agent });
    return agent;
  }
}

/**
 * The undici pool of one connection, its timeouts the defaults of every request through it. No cap
 * on sockets per origin (`connections` unset): with a fixed pool, that many hanging requests would
 * queue every other request on the connection behind them; memory is the only bound. Idle sockets
 * are kept alive for reuse.
 */
export function upstreamAgent(timeouts: ConnectionTimeouts): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.idleMs,
    keepAliveTimeout: 30_000,
    pipelining: 1,
  });
}

const splits = new Map<string, { origin: string; path: string }>();
/** origin + path of a URL, remembered: the same few provider URLs come by on every request. */
function split(url: string): { origin: string; path: string } {
  let found = splits.get(url);
  if (!found) {
    const origin = new URL(url).origin;
    found = { origin, path: url.slice(origin.length) || '/' };
    if (splits.size < 1000) splits.set(url, found);
  }
  return found;
}

/** Network-level failures as the pipeline sees them; aborts pass through untouched. */
function describeFailure(error: unknown, target: ConnectionTarget): unknown {
  if (error instanceof undiciErrors.RequestAbortedError || (error as Error)?.name === 'AbortError') return error;
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new UpstreamUnavailable(`connecting to ${target.name} timed out`, 504);
  }
  if (error instanceof undiciErrors.HeadersTimeoutError) {
    return new UpstreamUnavailable(`${target.name} sent no answer in time`, 504);
  }
  const code = (error as NodeJS.ErrnoException)?.code ?? (error as { cause?: NodeJS.ErrnoException })?.cause?.code;
  const detail = code ? `${code}` : ((error as Error)?.message ?? 'unknown error');
  return new UpstreamUnavailable(`cannot reach ${target.name} (${detail})`, 502);
}
