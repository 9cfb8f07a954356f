import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { headerField } from '../../src/providers/registry.js';
import { ConnectionSecrets, FileStore } from '../../src/store/credentials/index.js';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import {
  ANTHROPIC_SECRET,
  eventually,
  gatewayWithAnthropic,
  UPSTREAM_SECRET,
  type TestGateway,
} from '../helpers/gateway.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';

/**
 * A provider that echoes the credentials it was sent — in an error event inside a stream, in a
 * response header, in a non-stream error — never gets them any further: they appear in no response,
 * audit row, usage row, log line or CLI output.
 */

const HEADER_SECRET = 'azure-style-header-secret-5f3c9a1e';

describe('echoed secrets go no further', () => {
  const setup = gatewayWithAnthropic();
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  beforeAll(async () => {
    ({ gw, anthropic } = setup);
    // The OpenAI connection also authenticates with an extra header, a secret like its key.
    const connection = gw.store.connections.get(gw.env.connectionId)!;
    gw.store.transaction(() => {
      gw.store.connections.update(connection, { config: { ...connection.config, headers: ['api-key'] } }, 'alice');
      new ConnectionSecrets(new FileStore(gw.home), {}).write(connection.id, {
        apiKey: UPSTREAM_SECRET,
        [headerField('api-key')]: HEADER_SECRET,
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the daemon sees the edit within its poll
  });

  it('in stream error events, headers and error bodies, on every surface', async () => {
    const seen: string[] = [];
    const requestIds: string[] = [];
    const call = async (path: string, body: Record<string, unknown>) => {
      const response = await fetch(`${gw.baseURL}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.key}` },
        body: JSON.stringify(body),
      });
      seen.push(JSON.stringify([...response.headers]), await response.text());
      requestIds.push(response.headers.get('x-vmx-request-id')!);
      return response;
    };
    const echo = `key ${UPSTREAM_SECRET} and header ${HEADER_SECRET}`;

    // The fake saw the real values: they were sent, as they must be.
    await call('/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    expect(gw.fake.requests.at(-1)!.headers['api-key']).toBe(HEADER_SECRET);

    // A non-stream error that quotes both.
    gw.fake.enqueue({
      kind: 'error',
      status: 401,
      body: {
        error: {
          message: `Incorrect credentials: ${echo}`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
          param: null,
        },
      },
    });
    expect(
      (await call('/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] })).status,
    ).toBe(401);
    // …converted, too.
    gw.fake.enqueue({
      kind: 'error',
      status: 403,
      body: { error: { message: `Forbidden for ${echo}`, type: 'permission_error', code: null, param: null } },
    });
    expect(
      (
        await call('/anthropic/v1/messages', {
          model: 'chat',
          max_tokens: 8,
          messages: [{ role: 'user', content: 'hi' }],
        })
      ).status,
    ).toBe(403);

    // Headers a client reads, echoing them.
    gw.fake.enqueue({
      kind: 'reply',
      headers: { 'x-request-id': `req-${HEADER_SECRET}`, 'x-ratelimit-remaining-requests': UPSTREAM_SECRET },
    });
    expect(
      (await call('/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] })).status,
    ).toBe(200);

    // An error event inside a stream, passthrough and converted.
    for (const path of ['/anthropic/v1/messages', '/chat/completions']) {
      anthropic.enqueue({
        kind: 'stream-error',
        afterEvents: 3,
        type: 'authentication_error',
        message: `invalid x-api-key ${ANTHROPIC_SECRET}`,
      });
      expect(
        (
          await call(path, {
            model: 'sonnet',
            max_tokens: 8,
            stream: true,
            messages: [{ role: 'user', content: 'hi' }],
          })
        ).status,
      ).toBe(200);
    }
    expect(seen.join('\n')).toContain('********');

    await eventually(() => requestIds.every((id) => gw.store.audit.get(id)));
    for (const id of requestIds) {
      seen.push(JSON.stringify(gw.store.audit.get(id)), JSON.stringify(gw.store.usage.forRequest(id)));
    }
    const cli = (...args: string[]) =>
      runCliInProcess([...args, '-w', 'acme', '-e', 'dev', '--json'], {
        home: gw.home,
        env: { VMX_CREDENTIAL_STORE: 'file' },
      });
    for (const args of [
      ['audit', 'list'],
      ['usage', '--by', 'model'],
      ['connection', 'show', 'up'],
      ['connection', 'list'],
      ['connection', 'show', 'claude'],
      ...requestIds.map((id) => ['audit', 'show', id]),
    ]) {
      const result = await cli(...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      seen.push(result.stdout, result.stderr);
    }
    await gw.restart(); // the log is complete once the daemon has stopped
    seen.push(readFileSync(join(gw.home, 'vmx.log'), 'utf8'));

    const everything = seen.join('\n');
    for (const secret of [UPSTREAM_SECRET, HEADER_SECRET, ANTHROPIC_SECRET]) expect(everything).not.toContain(secret);
    expect(everything).toContain('Incorrect credentials: key ********');
  });
});
