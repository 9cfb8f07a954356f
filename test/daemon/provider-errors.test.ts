import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeAll, expect, it } from 'vitest';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import { ANTHROPIC_SECRET, eventually, gatewayWithAnthropic, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * Provider errors pass through (HTTP.md "Errors"): the client's SDK sees the provider's status, type,
 * code and message — as sent when it speaks the provider's dialect, in its own shape with the nearest
 * type when the answer was converted. Agents act on these (compaction on "prompt is too long", retry
 * on overloaded_error), so through vmx they must read exactly as from the provider.
 */

const contextExceeded = {
  error: {
    message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130517 tokens.",
    type: 'invalid_request_error',
    param: 'messages',
    code: 'context_length_exceeded',
  },
};
const promptTooLong = 'prompt is too long: 210000 tokens > 200000 maximum';

describeEachGateway('provider errors reach the client as the provider said them', (backend) => {
  const setup = gatewayWithAnthropic(backend);
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  let openai: OpenAI;
  let claude: Anthropic;
  beforeAll(() => {
    ({ gw, anthropic } = setup);
    openai = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    claude = new Anthropic({ baseURL: `${gw.baseURL}/anthropic`, apiKey: gw.key, maxRetries: 0 });
  });

  const chatRequest = (model: string) =>
    openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  const messagesRequest = (model: string) =>
    claude.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  const failure = <T>(promise: Promise<unknown>) =>
    promise.then(() => expect.fail('the request succeeded')).catch((error: unknown) => error as T);

  it('OpenAI 400 context_length_exceeded on the chat route: status, code, type, param and message as sent', async () => {
    gw.fake.enqueue({ kind: 'error', status: 400, body: contextExceeded });
    const error = await failure<InstanceType<typeof OpenAI.APIError>>(chatRequest('chat'));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('context_length_exceeded');
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe('messages');
    expect(error.message).toBe(`400 ${contextExceeded.error.message}`);
  });

  it('OpenAI 400 context_length_exceeded on the responses route', async () => {
    gw.fake.enqueue({ kind: 'error', status: 400, body: contextExceeded });
    const error = await failure<InstanceType<typeof OpenAI.APIError>>(
      openai.responses.create({ model: 'chat', input: 'hi' }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('context_length_exceeded');
    expect(error.message).toBe(`400 ${contextExceeded.error.message}`);
  });

  it('Anthropic 400 "prompt is too long" on the messages route: invalid_request_error with that message', async () => {
    anthropic.enqueue({ kind: 'error', status: 400, type: 'invalid_request_error', message: promptTooLong });
    const error = await failure<InstanceType<typeof Anthropic.APIError>>(messagesRequest('sonnet'));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.status).toBe(400);
    const body = error.error as {
      type: string;
      error: { type: string; message: string };
      request_id: string;
      vmx: { requestId: string };
    };
    expect(body.error).toEqual({ type: 'invalid_request_error', message: promptTooLong });
    expect(body.request_id).toBe('req_fake'); // the provider's body, as sent
    expect(body.vmx.requestId).toBe(error.headers?.get('x-vmx-request-id'));
  });

  it('Anthropic 529 overloaded_error keeps its status and type', async () => {
    anthropic.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const error = await failure<InstanceType<typeof Anthropic.APIError>>(messagesRequest('sonnet'));
    expect(error.status).toBe(529);
    expect((error.error as { error: { type: string; message: string } }).error).toEqual({
      type: 'overloaded_error',
      message: 'Overloaded',
    });
  });

  it('an OpenAI 400 behind the messages route reaches the Anthropic SDK as 400 invalid_request_error with the provider’s message', async () => {
    gw.fake.enqueue({ kind: 'error', status: 400, body: contextExceeded });
    const error = await failure<InstanceType<typeof Anthropic.APIError>>(messagesRequest('chat'));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error.error as { type: string; error: unknown }).type).toBe('error');
    expect((error.error as { error: unknown }).error).toEqual({
      type: 'invalid_request_error',
      message: contextExceeded.error.message,
    });
  });

  it('Anthropic errors behind the chat route: 529 stays 529 with type overloaded_error; "prompt is too long" gets OpenAI’s context_length_exceeded code', async () => {
    anthropic.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const overloaded = await failure<InstanceType<typeof OpenAI.APIError>>(chatRequest('sonnet'));
    expect(overloaded.status).toBe(529);
    expect(overloaded.type).toBe('overloaded_error');
    expect(overloaded.message).toBe('529 Overloaded');

    anthropic.enqueue({ kind: 'error', status: 400, type: 'invalid_request_error', message: promptTooLong });
    const tooLong = await failure<InstanceType<typeof OpenAI.APIError>>(chatRequest('sonnet'));
    expect(tooLong.status).toBe(400);
    expect(tooLong.type).toBe('invalid_request_error');
    expect(tooLong.code).toBe('context_length_exceeded');
    expect(tooLong.message).toBe(`400 ${promptTooLong}`);
  });

  it('a provider error that echoes the connection’s key reaches neither the client nor the audit row with it', async () => {
    anthropic.enqueue({
      kind: 'error',
      status: 401,
      type: 'authentication_error',
      message: `invalid x-api-key: ${ANTHROPIC_SECRET}`,
    });
    const response = await fetch(`${gw.baseURL}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key },
      body: JSON.stringify({ model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(text).toContain('invalid x-api-key: ********');
    expect(text).not.toContain(ANTHROPIC_SECRET);
    const requestId = response.headers.get('x-vmx-request-id')!;
    const audit = await eventually(() => gw.repos.audit.get(requestId));
    expect(JSON.stringify(audit)).not.toContain(ANTHROPIC_SECRET);
  });

  it('a non-JSON error page keeps the provider’s status and says what it sent', async () => {
    gw.fake.enqueue({ kind: 'error', status: 502, body: '<html>Bad gateway</html>' });
    const error = await failure<InstanceType<typeof OpenAI.APIError>>(chatRequest('chat'));
    expect(error.status).toBe(502);
    expect(error.message).toContain('<html>Bad gateway</html>');
    expect(error.type).toBe('api_error');
  });
});
