import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startGateway, UPSTREAM_SECRET, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/** Text only a request body carries: it must never reach the log. */
const PROMPT = 'the-secret-prompt-4b7e1f09 please';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

const logLines = (gw: TestGateway): LogLine[] =>
  readFileSync(join(gw.home, 'vmx.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogLine);

describeEachGateway('one log line per request', (backend) => {
  let gw: TestGateway;
  let limitedKey: string;
  let disabledKey: string;
  let disabledKeyId: string;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    const env = gw.env.environmentId;
    const chat = (await gw.repos.resources.find(env, 'chat'))!;
    await gw.repos.resources.create(
      env,
      { ...chat, name: 'fb', fallbackModels: [{ connectionId: gw.env.connectionId, model: 'backup-model' }] },
      't',
    );
    limitedKey = await gw.createKey({ capacity: [{ period: 'minute', requests: 1 }] });
    disabledKey = await gw.createKey({ enabled: false });
    disabledKeyId = (await gw.repos.apiKeys.list(env)).find((k) => !k.enabled)!.id;
    await new Promise((resolve) => setTimeout(resolve, 500)); // the daemon sees the edits within its poll
  });
  afterAll(() => gw.close());

  const call = async (key: string, model: string) => {
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }] }),
    });
    await response.text();
    return { status: response.status, requestId: response.headers.get('x-vmx-request-id')! };
  };

  it('says who, what and how it ended, never what was said or a secret', async () => {
    const sent = [await call(gw.key, 'chat')];
    gw.fake.enqueue({ kind: 'error', status: 500 });
    sent.push(await call(gw.key, 'fb')); // the first attempt fails, the fallback answers
    gw.fake.enqueue({ kind: 'error', status: 500 });
    sent.push(await call(gw.key, 'chat')); // no fallback: the client gets a 5xx
    sent.push(await call('vmx_not-a-key-at-all', 'chat'));
    sent.push(await call(disabledKey, 'chat'));
    sent.push(await call(gw.key, 'no-such-resource'));
    sent.push(await call(limitedKey, 'chat'));
    sent.push(await call(limitedKey, 'chat')); // over its 1 request a minute
    expect(sent.map((s) => s.status)).toEqual([200, 200, 500, 401, 401, 404, 200, 429]);

    const lines = await eventually(() => {
      const found = logLines(gw).filter((line) => line.requestId);
      return found.length >= sent.length && found;
    });
    // Exactly one line per request, in the order they were answered.
    expect(lines.map((line) => line.requestId)).toEqual(sent.map((s) => s.requestId));
    const [ok, fallback, failed, unknownKey, disabled, notFound, , limited] = lines;
    expect(ok).toMatchObject({
      level: 30,
      route: 'chat',
      workspace: 'acme',
      env: 'dev',
      resource: 'chat',
      status: 200,
      ms: expect.any(Number),
      attempts: 1,
      fallback: false,
      provider: 'openai',
      model: 'fake-model',
      key: expect.stringMatching(/^key-/),
    });
    expect(ok!.msg).toMatch(/^chat 200 \d+ms$/);
    expect(fallback).toMatchObject({ status: 200, attempts: 2, fallback: true, model: 'backup-model' });
    expect(failed).toMatchObject({ level: 40, status: 500, attempts: 1, fallback: false });
    // An unknown key names nothing; a disabled key of the environment is named.
    expect(unknownKey).toMatchObject({ level: 30, status: 401, attempts: 0 });
    expect(unknownKey!.key).toBeUndefined();
    expect(disabled).toMatchObject({ status: 401, workspace: 'acme', env: 'dev', key: expect.stringMatching(/^key-/) });
    expect(notFound).toMatchObject({ status: 404, resource: 'no-such-resource', attempts: 0 });
    expect(limited).toMatchObject({ level: 30, status: 429 });

    const log = readFileSync(join(gw.home, 'vmx.log'), 'utf8');
    for (const secret of [PROMPT, 'the-secret-prompt', gw.key, limitedKey, disabledKey, UPSTREAM_SECRET, 'Hello from'])
      expect(log).not.toContain(secret);

    // `vmx logs` shows them.
    const shown = await gw.cli('logs');
    expect(shown.stdout).toContain(`"requestId":"${sent[0]!.requestId}"`);

    // The disabled key's 401 is recorded under that key.
    const audit = await eventually(() => gw.repos.audit.get(sent[4]!.requestId));
    expect(audit).toMatchObject({ status: 401, keyId: disabledKeyId, environmentId: gw.env.environmentId });
  });
});
