import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { headerField } from '../../src/providers/registry.js';
import type { PostgresBackend } from '../../src/store/postgres/open.js';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import {
  ANTHROPIC_SECRET,
  eventually,
  gatewayWithAnthropic,
  UPSTREAM_SECRET,
  type TestGateway,
} from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * A provider that echoes the credentials it was sent — in an error event inside a stream, in a
 * response header, in a non-stream error — never gets them any further: they appear in no response,
 * audit row, usage row, log line or CLI output.
 */

const HEADER_SECRET = 'azure-style-header-secret-5f3c9a1e';

describeEachGateway('echoed secrets go no further', (backend) => {
  const setup = gatewayWithAnthropic(backend);
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  beforeAll(async () => {
    ({ gw, anthropic } = setup);
    // The OpenAI connection also authenticates with an extra header, a secret like its key.
    // The secret first: the header it names may be configured only once its value is there.
    const connection = (await gw.repos.connections.get(gw.env.connectionId))!;
    await gw.writeSecret(connection.id, { apiKey: UPSTREAM_SECRET, [headerField('api-key')]: HEADER_SECRET });
    await gw.repos.connections.update(connection, { config: { ...connection.config, headers: ['api-key'] } }, 'alice');
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

    // Every request reached an upstream: each has its audit row and at least one usage row.
    const records = await eventually(async () => {
      const all = await Promise.all(
        requestIds.map(async (id) => ({
          audit: await gw.repos.audit.get(id),
          usage: await gw.repos.usage.forRequest(id),
        })),
      );
      return all.every((r) => r.audit && r.usage.length > 0) && all;
    });
    for (const { audit, usage } of records) seen.push(JSON.stringify(audit), JSON.stringify(usage));
    const cli = (...args: string[]) => gw.cli([...args, '-w', 'acme', '-e', 'dev', '--json']);
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
    if (backend !== 'sqlite') {
      // Every row of every table of the shared store, sealed secrets included: the whole database
      // (the URL without the test schema's search_path option, whose '+' for a space libpq would misread).
      const database = new URL((gw.repos as PostgresBackend).connectionString);
      database.search = '';
      const dump = execFileSync('pg_dump', [database.toString()], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      expect(dump).toContain('connection_secrets');
      expect(dump).toContain(requestIds[0]);
      expect(dump).toContain('Incorrect credentials: key ********'); // the echo is stored, blanked
      seen.push(dump);
    }

    const everything = seen.join('\n');
    for (const secret of [UPSTREAM_SECRET, HEADER_SECRET, ANTHROPIC_SECRET]) expect(everything).not.toContain(secret);
    expect(everything).toContain('Incorrect credentials: key ********');
  });
});
