import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The plumbing shared by the fake upstreams (test/helpers/fake-openai.ts, fake-anthropic.ts, fake-bedrock.ts):
 * a `node:http` server on 127.0.0.1 that records every request, answers known routes with queued behaviours
 * (FIFO, then a default), and handles the transport-level behaviours (`delay`, `hang`, `close`) itself.
 */

export interface RecordedExchange {
  method: string;
  /** Path with the query string, exactly as received (percent-encoding kept). */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  json: any;
  /** When the request's headers arrived (Date.now()). */
  receivedAt: number;
  /** When the fake finished writing its answer. */
  finishedAt?: number;
  /** When the exchange ended: after the answer, or when the connection dropped (client abort, `close`, `stream-then-fail`). */
  closedAt?: number;
  /** True when the client went away before the fake had finished answering (a hang the client gave up on, an aborted stream…). */
  aborted: boolean;
  /** Resolves when `closedAt` is set. */
  closed: Promise<void>;
  /** A stream's events as written, each with the time it went out (Date.now()); filled when events are paced. */
  sent: Array<{ at: number; text: string }>;
}

export interface Exchange<E> {
  req: IncomingMessage;
  res: ServerResponse;
  entry: E;
  /** 1, 2, 3… per server: used to make ids (`msg_fake_3`). */
  id: number;
  destroyedByUs: boolean;
}

/** The behaviours the harness runs itself; the others go to `answer`. */
type Control<B> = { kind: 'delay'; ms: number; then: B } | { kind: 'hang' } | { kind: 'close' };

/** The options every fake's start function takes (each adds its own). */
export interface FakeUpstreamOptions<E, B> {
  port?: number;
  /** Keep a record of every request (default true; the benchmark turns it off). */
  record?: boolean;
  /**
   * Picks the behaviour from the request itself (its body, its model…), before the queue and the default;
   * undefined falls through to them. For concurrent tests, where FIFO order says nothing about which request gets what.
   */
  choose?: (request: E) => B | undefined;
}

/** What a fake adds to the shared server: its routes, the fields it records, and its answers. */
export interface UpstreamSpec<E extends RecordedExchange, B, R> {
  /** Used in error messages (`fake-anthropic: request #2 did not arrive…`). */
  name: string;
  defaultBehaviour: B;
  route(method: string, pathname: string): R | undefined;
  /** The fake-specific fields of a record, computed once the body has arrived. */
  describe(
    req: IncomingMessage,
    route: R | undefined,
    base: RecordedExchange,
  ): Omit<E, keyof RecordedExchange | 'behaviour'>;
  notFound(x: Exchange<E>): void;
  /** Runs before a behaviour is taken from the queue (e.g. authentication); returns true when it answered. */
  gate?(x: Exchange<E>, route: R): boolean;
  answer(x: Exchange<E>, route: R, behaviour: B): Promise<void> | void;
}

export interface FakeUpstream<E, B> {
  port: number;
  requests: E[];
  /** Queues behaviours for the next requests to a known route (FIFO); when the queue is empty the default applies. */
  enqueue(...behaviours: B[]): void;
  setDefault(behaviour: B): void;
  /** Resolves with `requests[index]` once it has arrived (default: the next request). */
  waitForRequest(index?: number, timeoutMs?: number): Promise<E>;
  /** Clears requests and queue, restores the default. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeUpstream<E extends RecordedExchange & { behaviour?: B }, B extends { kind: string }, R>(
  options: FakeUpstreamOptions<E, B>,
  spec: UpstreamSpec<E, B, R>,
): Promise<FakeUpstream<E, B>> {
  const record = options.record ?? true;
  const requests: E[] = [];
  let queue: B[] = [];
  let fallback = spec.defaultBehaviour;
  let counter = 0;
  const waiters: Array<{ index: number; resolve: (r: E) => void }> = [];

  const server = createServer((req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let json: any;
      try {
        json = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        json = undefined;
      }
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      const route = spec.route(method, path.split('?', 1)[0]!);
      let markClosed!: () => void;
      const base: RecordedExchange = {
        method,
        path,
        headers: req.headers,
        rawBody,
        json,
        receivedAt,
        aborted: false,
        closed: new Promise<void>((resolve) => (markClosed = resolve)),
        sent: [],
      };
      const entry = Object.assign(base, spec.describe(req, route, base)) as E;
      const x: Exchange<E> = { req, res, entry, destroyedByUs: false, id: ++counter };
      res.on('close', () => {
        entry.closedAt = Date.now();
        entry.aborted = !res.writableFinished && !x.destroyedByUs;
        markClosed();
      });
      res.on('finish', () => (entry.finishedAt = Date.now()));
      if (record) {
        requests.push(entry);
        for (const w of waiters.splice(0)) {
          if (requests[w.index]) w.resolve(requests[w.index]!);
          else waiters.push(w);
        }
      }
      if (route === undefined) return spec.notFound(x);
      if (spec.gate?.(x, route)) return;
      const behaviour = options.choose?.(entry) ?? queue.shift() ?? fallback;
      entry.behaviour = behaviour;
      void run(x, route, behaviour);
    });
  });

  async function run(x: Exchange<E>, route: R, behaviour: B): Promise<void> {
    const control = behaviour as unknown as Control<B>;
    switch (control.kind) {
      case 'delay':
        await sleep(control.ms);
        if (x.res.destroyed) return;
        return run(x, route, control.then);
      case 'hang':
        return;
      case 'close':
        destroy(x);
        return;
    }
    await spec.answer(x, route, behaviour);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.keepAliveTimeout = 30_000;
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    requests,
    enqueue: (...behaviours) => void queue.push(...behaviours),
    setDefault: (behaviour) => void (fallback = behaviour),
    waitForRequest(index = requests.length, timeoutMs = 5_000) {
      if (requests[index]) return Promise.resolve(requests[index]);
      return new Promise<E>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${spec.name}: request #${index} did not arrive within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({ index, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    reset() {
      requests.length = 0;
      queue = [];
      fallback = spec.defaultBehaviour;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Destroys the socket without (further) answer; the record is then not `aborted`. */
export function destroy(x: Exchange<unknown>): void {
  x.destroyedByUs = true;
  x.req.socket.destroy();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export interface StreamOptions {
  /** Pause between two events (default 0: everything in one write). */
  pauseMs?: number;
  /** Leave out the last this many events and end the body cleanly (a stream cut short without a network error). */
  dropLast?: number;
  /** Send only this many events, then destroy the socket (`stream-then-fail`). */
  failAfter?: number;
  /** Called just before a complete stream is written (to record `sentUsage`). */
  onComplete?: () => void;
}

/** Answers 200 with these headers, then the events (SSE text or binary frames). */
export async function sendStream(
  x: Exchange<unknown>,
  headers: Record<string, string>,
  events: Array<string | Uint8Array>,
  options: StreamOptions = {},
): Promise<void> {
  const { res } = x;
  if (res.destroyed) return;
  if (options.dropLast) events = events.slice(0, -options.dropLast);
  const bytes = (list: Array<string | Uint8Array>) =>
    Buffer.concat(list.map((e) => (typeof e === 'string' ? Buffer.from(e) : e)));
  res.writeHead(200, headers);
  res.flushHeaders();
  if (options.failAfter !== undefined) {
    const sent = bytes(events.slice(0, options.failAfter));
    await new Promise<void>((resolve) => (sent.length ? res.write(sent, () => resolve()) : resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    destroy(x);
    return;
  }
  options.onComplete?.();
  const pause = options.pauseMs ?? 0;
  if (pause === 0) {
    res.end(bytes(events));
    return;
  }
  for (const event of events) {
    if (res.destroyed) return;
    res.write(event);
    (x.entry as RecordedExchange).sent.push({
      at: Date.now(),
      text: typeof event === 'string' ? event : Buffer.from(event).toString('latin1'),
    });
    await sleep(pause);
  }
  res.end();
}

/** Splits text into `n` pieces of near-equal length (at least one piece, possibly empty). */
export function split(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(n, text.length || 1));
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) pieces.push(text.slice(i * size, (i + 1) * size));
  return pieces;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
