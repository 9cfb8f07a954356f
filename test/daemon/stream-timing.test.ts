import { beforeAll, expect, it } from 'vitest';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import { gatewayWithAnthropic, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import { expectWithinBudget } from '../helpers/time-budget.js';

/**
 * Streams are relayed on arrival (HTTP.md "Response"): every route, passthrough and converted, writes
 * each upstream delta to the client as soon as it is complete, and everything received before an
 * upstream break reaches the client, followed by the dialect's error event.
 */

const WORDS = ['alpha ', 'bravo ', 'charlie ', 'foxtrot ', 'kilo'];
const PACE_MS = 250;

/** The routes and the resource behind each: `chat` is the OpenAI fake, `sonnet` the Anthropic fake. */
const cases = [
  { name: 'chat passthrough', path: '/chat/completions', resource: 'chat', upstream: 'openai' },
  { name: 'responses passthrough', path: '/responses', resource: 'chat', upstream: 'openai' },
  { name: 'messages passthrough', path: '/anthropic/v1/messages', resource: 'sonnet', upstream: 'anthropic' },
  { name: 'chat converted (anthropic upstream)', path: '/chat/completions', resource: 'sonnet', upstream: 'anthropic' },
  { name: 'responses converted (anthropic upstream)', path: '/responses', resource: 'sonnet', upstream: 'anthropic' },
  {
    name: 'messages converted (openai chat upstream)',
    path: '/anthropic/v1/messages',
    resource: 'chat',
    upstream: 'openai',
  },
] as const;

function bodyFor(path: string, resource: string): Record<string, unknown> {
  if (path === '/responses') return { model: resource, input: 'say the words', stream: true };
  if (path === '/chat/completions')
    return { model: resource, messages: [{ role: 'user', content: 'say the words' }], stream: true };
  return { model: resource, max_tokens: 64, messages: [{ role: 'user', content: 'say the words' }], stream: true };
}

describeEachGateway('streams relay on arrival', (backend) => {
  const setup = gatewayWithAnthropic(backend);
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  beforeAll(() => ({ gw, anthropic } = setup));

  /** Posts and reads the stream, noting when each piece of text arrived (Date.now(), as the fakes note sends). */
  async function streamed(
    path: string,
    body: unknown,
  ): Promise<{ status: number; arrivals: Array<{ at: number; text: string }>; text: string }> {
    const response = await fetch(`${gw.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const arrivals: Array<{ at: number; text: string }> = [];
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      arrivals.push({ at: Date.now(), text: decoder.decode(chunk, { stream: true }) });
    return { status: response.status, arrivals, text: arrivals.map((a) => a.text).join('') };
  }

  const firstAt = (pieces: Array<{ at: number; text: string }>, word: string): number | undefined => {
    let seen = '';
    for (const piece of pieces) {
      seen += piece.text;
      if (seen.includes(word.trim())) return piece.at;
    }
    return undefined;
  };

  // A relay that holds an event until the next one arrives delivers each delta only after the upstream
  // sent the next (a whole pace, 250 ms, later): checked by order, not by a clock budget. The 50 ms
  // budget itself is checked by `npm run test:slow`, where no other test file competes for the CPU.
  for (const c of cases) {
    it(`${c.name}: each delta reaches the client before the upstream sends the next`, { retry: 2 }, async () => {
      const behaviour = { kind: 'reply' as const, text: WORDS.join(''), chunkDelayMs: PACE_MS };
      const fake = c.upstream === 'openai' ? gw.fake : anthropic;
      const before = fake.requests.length;
      fake.enqueue(behaviour);
      const { status, arrivals } = await streamed(c.path, bodyFor(c.path, c.resource));
      expect(status).toBe(200);
      const sent = fake.requests[before]!.sent;
      for (const [i, word] of WORDS.entries()) {
        const sentAt = firstAt(sent, word);
        const receivedAt = firstAt(arrivals, word);
        expect(sentAt, `the upstream sent ${word}`).toBeDefined();
        expect(receivedAt, `the client received ${word}`).toBeDefined();
        const next = WORDS[i + 1];
        if (next !== undefined)
          expect(receivedAt!, `${word.trim()} arrived before ${next.trim()} was sent`).toBeLessThan(
            firstAt(sent, next)!,
          );
        expectWithinBudget(receivedAt! - sentAt!, 50, `lag of ${word.trim()}`);
      }
    });

    it(`${c.name}: an upstream cut after two deltas delivers both, then an error event`, async () => {
      if (c.upstream === 'openai') {
        // chat: role delta + two text deltas; responses: created, in_progress, item added, part added + two deltas
        gw.fake.enqueue({ kind: 'stream-then-fail', afterChunks: c.path === '/responses' ? 6 : 3 });
      } else {
        // message_start, content_block_start, ping + two text deltas
        anthropic.enqueue({ kind: 'stream-then-fail', afterEvents: 5 });
      }
      const { status, text } = await streamed(c.path, bodyFor(c.path, c.resource));
      expect(status).toBe(200);
      const hello = text.indexOf('Hello');
      const from = text.indexOf('from', hello);
      expect(hello, text).toBeGreaterThan(-1);
      expect(from, text).toBeGreaterThan(hello);
      const errorAt = c.path === '/chat/completions' ? text.indexOf('data: {"error"') : text.indexOf('event: error');
      expect(errorAt, text).toBeGreaterThan(from);
      expect(text.slice(errorAt)).not.toContain('Hello');
    });
  }
});
