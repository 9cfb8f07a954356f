import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { PivotStreamEvent, WireEvent } from '../../../src/providers/pivot.js';
import { createSseDecoder } from '../../../src/providers/dialects/sse-parse.js';

/** Shared by the dialect codec tests: fixture files, SSE parsing and a one-route SSE server for the SDKs. */

const root = fileURLToPath(new URL('../../fixtures/dialects/', import.meta.url));

export function fixtureText(dialect: string, name: string): string {
  return readFileSync(`${root}${dialect}/${name}`, 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(dialect: string, name: string): T {
  return JSON.parse(fixtureText(dialect, name)) as T;
}

/** SSE text → the wire events, as the stream decoders receive them. */
export function wireEvents(text: string): WireEvent[] {
  const events: WireEvent[] = [];
  const decoder = createSseDecoder((e) => events.push(e));
  decoder.push(text);
  decoder.end();
  return events;
}

/** Runs stream events through a decoder, one at a time, collecting everything it emits. */
export function decodeAll(
  decoder: { push(e: WireEvent): PivotStreamEvent[]; end(): PivotStreamEvent[] },
  events: WireEvent[],
): PivotStreamEvent[] {
  return [...events.flatMap((e) => decoder.push(e)), ...decoder.end()];
}

export interface SseServer {
  url: string;
  /** Request bodies received, parsed. */
  bodies: unknown[];
  close(): Promise<void>;
}

/**
 * An HTTP server answering every POST with `text/event-stream`; `write` decides what goes out and
 * when (it may await between writes, to prove the client sees events before the stream ends).
 */
export async function sseServer(write: (res: ServerResponse, body: unknown) => Promise<void>): Promise<SseServer> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      void write(res, body).then(() => res.end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A handshake between the fake server and the SDK client: the server `wait`s until the client has
 * `open`ed it, so the test proves the client saw an event before the stream ended. After `ms` the
 * server goes on anyway (and `timedOut` says so), failing the test with an assertion, not a hang.
 */
export function gate(ms = 5000): { wait(): Promise<void>; open(): void; timedOut: boolean } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const state = {
    timedOut: false,
    open,
    wait: () =>
      Promise.race([
        opened,
        new Promise<void>((resolve) =>
          setTimeout(() => {
            state.timedOut = true;
            resolve();
          }, ms).unref(),
        ),
      ]),
  };
  return state;
}
