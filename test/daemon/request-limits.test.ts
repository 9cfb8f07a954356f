import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * Limits of the HTTP surface (HTTP.md "Limits"): a body that trickles in is cut after the request
 * timeout, and the bytes of requests handled at once are bounded, so memory is too.
 */

/** Opens a raw request that sends its headers and `sent` of `total` body bytes, then waits. */
function partialRequest(url: string, path: string, key: string, total: number, sent: number) {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let answer = '';
  let onData = () => {};
  socket.on('data', (chunk) => {
    answer += chunk.toString();
    onData();
  });
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
  /** The status line of the answer, once it has come. */
  const status = () =>
    new Promise<string>((resolve) => {
      onData = () => answer.includes('\r\n') && resolve(answer.split('\r\n')[0]!);
      onData();
    });
  const body = `{"model":"chat","messages":[{"role":"user","content":"${'x'.repeat(total - 60)}"}]}`.padEnd(total, ' ');
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
  );
  socket.write(body.slice(0, sent));
  return { finish: () => socket.write(body.slice(sent)), closed, status, socket };
}

describeEachGateway('request limits', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ backend, requestTimeoutMs: 1_000, inFlightBodyBytes: 1_000_000 });
  });
  afterAll(() => gw.close());

  it('a body that stops arriving is cut with 408 after the request timeout', async () => {
    const slow = partialRequest(gw.url, '/v1/chat/completions', gw.key, 5_000, 100);
    const answer = await slow.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('requests past the in-flight byte budget are asked to come back (503 + Retry-After) in their dialect', async () => {
    const big = partialRequest(gw.url, '/v1/chat/completions', gw.key, 800_000, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const body = JSON.stringify({
      model: 'chat',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'y'.repeat(500_000) }],
    });
    const refused = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body,
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    big.finish();
    expect(await big.status()).toBe('HTTP/1.1 200 OK');
    big.socket.destroy();
    const later = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body,
    });
    expect(later.status).toBe(200);
  });
});
