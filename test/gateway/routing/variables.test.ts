import { describe, expect, it } from 'vitest';
import { evaluateRouting } from '../../../src/gateway/routing/evaluate.js';
import { parseRule } from '../../../src/gateway/routing/parse-rule.js';
import { resolveRouting } from '../../../src/gateway/routing/resolve.js';
import { buildRoutingVariables } from '../../../src/gateway/routing/variables.js';
import { inboundSpec, type InboundDialect as Dialect } from '../../../src/providers/dialects/inbound.js';

/** The variables of a body of `dialect`, its conversation read as the daemon reads it. */
const variablesOf = (
  dialect: Dialect,
  body: Record<string, unknown>,
  context: Parameters<typeof buildRoutingVariables>[2],
) => buildRoutingVariables(inboundSpec(dialect).messages(body), body, context);

const tools = [{ type: 'function', name: 'get_weather' }];
const resource = { name: 'chat' };

/** The same conversation in each dialect: instructions, a question in two text parts plus an image, a tool round trip, a follow-up. */
const bodies: Record<Dialect, Record<string, unknown>> = {
  'openai-chat': {
    model: 'chat',
    messages: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in ' },
          { type: 'text', text: 'Paris?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 't1', content: 'sunny' },
      { role: 'user', content: 'urgent: and tomorrow?' },
    ],
    tools,
  },
  'openai-responses': {
    model: 'chat',
    instructions: 'Be brief.',
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'Weather in ' },
          { type: 'input_text', text: 'Paris?' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
        ],
      },
      { type: 'function_call', call_id: 't1', name: 'get_weather', arguments: '{}' },
      { type: 'function_call_output', call_id: 't1', output: 'sunny' },
      { type: 'reasoning', id: 'r1', summary: [] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'urgent: and tomorrow?' }] },
    ],
    tools,
  },
  'anthropic-messages': {
    model: 'chat',
    max_tokens: 100,
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in ' },
          { type: 'text', text: 'Paris?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: {} }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'sunny' }] }],
      },
      { role: 'user', content: 'urgent: and tomorrow?' },
    ],
    tools,
  },
};
const dialects = Object.keys(bodies) as Dialect[];

describe('buildRoutingVariables', () => {
  it.each(dialects)('%s: derives the same request variables as the other dialects', (dialect) => {
    const body = bodies[dialect]!;
    const before = JSON.stringify(body);
    const vars = variablesOf(dialect, body, { inputTokens: 42, resource });
    expect(vars.tokens).toStrictEqual({ input: 42 });
    expect(vars.resource).toBe(resource);
    expect(vars.request.model).toBe('chat');
    expect(vars.request.tools).toBe(tools);
    expect(vars.request.messagesCount).toBe(5);
    expect(vars.request.toolsCount).toBe(1);
    expect(vars.request.firstMessage).toMatchObject({ role: 'system', content: 'Be brief.' });
    expect(vars.request.lastMessage).toMatchObject({ role: 'user', content: 'urgent: and tomorrow?' });
    expect(vars.request.allMessagesContent).toBe('Be brief. Weather in Paris? sunny urgent: and tomorrow?');
    expect(JSON.stringify(body)).toBe(before); // the body is read, never changed
  });

  it('keeps the other fields of the first and last messages', () => {
    const vars = variablesOf(
      'openai-chat',
      { messages: [{ role: 'user', name: 'ann', content: [{ type: 'text', text: 'hi' }] }] },
      { inputTokens: 1, resource },
    );
    expect(vars.request.firstMessage).toStrictEqual({ role: 'user', name: 'ann', content: 'hi' });
    expect(vars.request.lastMessage).toStrictEqual({ role: 'user', name: 'ann', content: 'hi' });
  });

  it('reads a Responses string input as one user message', () => {
    const vars = variablesOf('openai-responses', { input: 'hello', tools: [] }, { inputTokens: 1, resource });
    expect(vars.request).toMatchObject({
      input: 'hello',
      messagesCount: 1,
      toolsCount: 0,
      firstMessage: { role: 'user', content: 'hello' },
      lastMessage: { role: 'user', content: 'hello' },
      allMessagesContent: 'hello',
    });
  });

  it('copes with a body without messages', () => {
    for (const dialect of dialects) {
      const vars = variablesOf(dialect, {}, { inputTokens: 0, resource: undefined });
      expect(vars.request).toStrictEqual({
        firstMessage: undefined,
        lastMessage: undefined,
        messagesCount: 0,
        toolsCount: 0,
        allMessagesContent: '',
      });
    }
  });

  it.each(dialects)('%s: one-line rules read the variables the same way', (dialect) => {
    const lookup = (ref: string) => ({ id: `id-${ref}`, name: ref, provider: ref });
    const routing = resolveRouting(
      {
        enabled: true,
        conditions: [
          parseRule('request.allMessagesContent matches /password/i -> block'),
          parseRule(
            'request.lastMessage.content contains "urgent" and request.toolsCount > 0 and tokens.input < 100 -> fast/small',
          ),
        ],
      },
      lookup,
    );
    const env = { errorRate: () => 0, random: () => 0 };
    const decide = (inputTokens: number) =>
      evaluateRouting(routing, variablesOf(dialect, bodies[dialect]!, { inputTokens, resource }), env).decision;
    expect(decide(99)).toMatchObject({ kind: 'model', target: { connectionId: 'id-fast', model: 'small' } });
    expect(decide(100)).toStrictEqual({ kind: 'none' });
  });
});
