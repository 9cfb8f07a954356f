import { describe, expect, it } from 'vitest';
import { parseBatchLines, routeOfEndpoint } from '../../../src/gateway/batch/input.js';

const chat = { messages: [{ role: 'user', content: 'hi' }] };

describe('batch input lines', () => {
  it("reads OpenAI's Batch API lines and vmx's, skipping blank lines but counting them", () => {
    const text = [
      JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'chat', ...chat } }),
      '',
      JSON.stringify({ resource: 'sonnet', route: 'messages', request: { max_tokens: 5, ...chat } }),
      JSON.stringify({ custom_id: 'c', url: '/v1/responses', body: { model: 'chat', input: 'hi' } }),
    ].join('\n');
    expect(parseBatchLines(text)).toEqual([
      { line: 1, customId: 'a', route: 'chat', resource: 'chat', request: { model: 'chat', ...chat } },
      {
        line: 3,
        customId: null,
        route: 'messages',
        resource: 'sonnet',
        request: { model: 'sonnet', max_tokens: 5, ...chat },
      },
      { line: 4, customId: 'c', route: 'responses', resource: 'chat', request: { model: 'chat', input: 'hi' } },
    ]);
  });

  it('a line that cannot run fails alone, naming its line', () => {
    const text = [
      '{not json',
      '[1]',
      JSON.stringify({ url: '/v1/embeddings', body: {} }),
      JSON.stringify({ request: chat }),
    ].join('\r\n');
    expect(parseBatchLines(text).map((item) => item.error?.message)).toEqual([
      'line 1 is not valid JSON',
      'line 2 is not a JSON object',
      'line 3: url must be /v1/chat/completions, /v1/responses or /v1/messages',
      "line 4: name the resource (resource, or the request's model)",
    ]);
  });

  it('a default resource fills lines that name none', () => {
    const [item] = parseBatchLines(JSON.stringify({ request: chat }), { resource: 'chat' });
    expect(item).toMatchObject({ resource: 'chat', request: { model: 'chat' } });
    expect(item!.error).toBeUndefined();
  });

  it('knows the endpoints it serves', () => {
    expect(routeOfEndpoint('/v1/chat/completions')).toBe('chat');
    expect(routeOfEndpoint('/v1/embeddings')).toBeUndefined();
  });
});
