import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../../src/errors.js';
import type { Async } from '../../../src/store/backend.js';
import { AsyncConnectionSecrets, ConnectionSecrets } from '../../../src/store/credentials/connection-secrets.js';
import { seal, sealedKeyId } from '../../../src/store/credentials/sealed.js';
import { parseSecretKey, type SecretKeyring } from '../../../src/store/credentials/sealed-keys.js';
import {
  resealAll,
  SealedCredentialStore,
  type SealedSecretRow,
  type SealedSecretTable,
} from '../../../src/store/credentials/sealed-store.js';

/** `connection_secrets` in memory, counting reads so a test can tell the table was never asked. */
class MemoryTable implements SealedSecretTable {
  readonly rows = new Map<string, string>();
  reads = 0;
  async get(connectionId: string) {
    this.reads++;
    return this.rows.get(connectionId);
  }
  async put(connectionId: string, sealed: string) {
    this.rows.set(connectionId, sealed);
  }
  async remove(connectionId: string) {
    return this.rows.delete(connectionId);
  }
  async all(): Promise<SealedSecretRow[]> {
    return [...this.rows].map(([connectionId, sealed]) => ({ connectionId, sealed }));
  }
  async swap(connectionId: string, expected: string, sealed: string) {
    if (this.rows.get(connectionId) !== expected) return false;
    this.rows.set(connectionId, sealed);
    return true;
  }
}

const newKey = parseSecretKey(randomBytes(32).toString('base64'), 'new');
const oldKey = parseSecretKey(randomBytes(32).toString('base64'), 'old');
const strayKey = parseSecretKey(randomBytes(32).toString('base64'), 'stray');
const ring = (current = newKey, ...previous: (typeof newKey)[]): SecretKeyring => ({
  current,
  previous,
  source: 'test',
});
const openai = { id: 'conn_1f3a', name: 'openai' };
const bedrock = { id: 'conn_77b0', name: 'bedrock' };
const awsFields = ['accessKeyId', 'secretAccessKey', 'sessionToken'];

function secretsOver(table: SealedSecretTable, keys: SecretKeyring | undefined, env: NodeJS.ProcessEnv = {}) {
  return new AsyncConnectionSecrets(new SealedCredentialStore(table, keys), env);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  if (!error) throw new Error('expected a rejection');
  expect(error.message).not.toContain('\n');
  return error;
}

describe('SealedCredentialStore with AsyncConnectionSecrets', () => {
  it('stores one sealed entry per connection, never the secret in clear, and reads it back', async () => {
    const table = new MemoryTable();
    const secrets = secretsOver(table, ring());
    await secrets.write(openai, { apiKey: 'sk-live-abc123' });
    const sealed = table.rows.get(openai.id)!;
    expect(sealed).not.toContain('sk-live');
    expect(sealedKeyId(sealed)).toBe(newKey.id);
    expect(await secrets.read(openai, ['apiKey'])).toEqual({
      values: { apiKey: 'sk-live-abc123' },
      fromEnv: [],
      missing: [],
    });
    expect(await secrets.storedFields(openai.id)).toEqual({ apiKey: 'sk-live-abc123' });
    expect(await secrets.status(openai, ['apiKey'])).toEqual({ value: '********', source: 'shared', envOverrides: [] });
  });

  it('describes itself for `vmx doctor` with key ids only', () => {
    const keys = ring(newKey, oldKey);
    expect(new SealedCredentialStore(new MemoryTable(), keys).description).toBe(
      `the shared store, sealed with AES-256-GCM, key ${newKey.id} from test (previous: ${oldKey.id})`,
    );
    expect(new SealedCredentialStore(new MemoryTable(), undefined).description).toBe(
      'the shared store, no secret key given (VMX_SECRET_KEY or --secret-key-file)',
    );
  });

  it('without a key, a connection with a stored secret is refused with one line naming it', async () => {
    const table = new MemoryTable();
    await secretsOver(table, ring()).write(openai, { apiKey: 'sk-live-abc123' });
    const secrets = secretsOver(table, undefined);
    const error = await rejection(secrets.read(openai, ['apiKey']));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.message).toBe(
      "connection 'openai' has a secret in the shared store; set VMX_SECRET_KEY or --secret-key-file to read it",
    );
    expect((await rejection(secrets.write(bedrock, { accessKeyId: 'AKIA1' }))).message).toBe(
      "the secret of connection 'bedrock' cannot go to the shared store unsealed; set VMX_SECRET_KEY or --secret-key-file",
    );
    expect(table.rows.has(bedrock.id)).toBe(false);
  });

  it('without a key, what needs no secret still works: none stored, has, status, remove', async () => {
    const table = new MemoryTable();
    await secretsOver(table, ring()).write(openai, { apiKey: 'sk-live-abc123' });
    const secrets = secretsOver(table, undefined);
    expect(await secrets.read(bedrock, awsFields)).toEqual({ values: {}, fromEnv: [], missing: awsFields });
    expect(await secrets.has(openai.id)).toBe(true);
    expect((await secrets.status(openai, ['apiKey'])).source).toBe('shared');
    expect(await secrets.remove(openai.id)).toBe(true);
    expect(table.rows.size).toBe(0);
  });

  it('environment overrides win without a key, and a fully covered read never touches the table', async () => {
    const table = new MemoryTable();
    await secretsOver(table, ring()).write(openai, { apiKey: 'sk-stored' });
    table.reads = 0;
    const secrets = secretsOver(table, undefined, { VMX_OPENAI_API_KEY: 'sk-from-env' });
    expect(await secrets.read(openai, ['apiKey'])).toEqual({
      values: { apiKey: 'sk-from-env' },
      fromEnv: ['apiKey'],
      missing: [],
    });
    expect(table.reads).toBe(0);
    let opened = 0;
    const lazy = new AsyncConnectionSecrets(
      () => {
        opened++;
        return new SealedCredentialStore(table, undefined);
      },
      { VMX_OPENAI_API_KEY: 'sk-from-env' },
    );
    expect((await lazy.read(openai, ['apiKey'])).values).toEqual({ apiKey: 'sk-from-env' });
    expect(opened).toBe(0);
  });

  it('same rules as the sync ConnectionSecrets: whole-entry writes, empty fields refused, replace', async () => {
    const table = new MemoryTable();
    const secrets = secretsOver(table, ring(), { VMX_BEDROCK_SESSION_TOKEN: 'tok-env' });
    await secrets.write(bedrock, { accessKeyId: 'AKIA1', secretAccessKey: 'sak-1', sessionToken: 'tok-1' });
    await secrets.write(bedrock.id, { accessKeyId: 'AKIA2', secretAccessKey: 'sak-2', sessionToken: undefined });
    expect(await secrets.read(bedrock, awsFields)).toEqual({
      values: { accessKeyId: 'AKIA2', secretAccessKey: 'sak-2', sessionToken: 'tok-env' },
      fromEnv: ['sessionToken'],
      missing: [],
    });
    expect(await rejection(secrets.write(bedrock, { accessKeyId: '' }))).toBeInstanceOf(UsageError);
    expect((await rejection(secrets.write(bedrock, {}))).message).toBe('no secret to store');
    const before = table.rows.get(bedrock.id);
    await secrets.replace(bedrock, { accessKeyId: 'AKIA2', secretAccessKey: 'sak-2' });
    expect(table.rows.get(bedrock.id)).toBe(before); // unchanged: not re-sealed
    await secrets.replace(bedrock, {});
    expect(table.rows.has(bedrock.id)).toBe(false);
  });

  it('is an Async<ConnectionSecrets>: callers can hold either store behind one type', () => {
    const shared: Async<ConnectionSecrets> = secretsOver(new MemoryTable(), ring());
    expect(typeof shared.read).toBe('function');
  });

  it('a failed open is not remembered: the next use opens again', async () => {
    let attempts = 0;
    const secrets = new AsyncConnectionSecrets(() => {
      if (++attempts === 1) throw new UsageError('VMX_SECRET_KEY must be …');
      return new SealedCredentialStore(new MemoryTable(), ring());
    }, {});
    expect(await rejection(secrets.has(openai.id))).toBeInstanceOf(UsageError);
    expect(await secrets.has(openai.id)).toBe(false);
    expect(attempts).toBe(2);
  });
});

describe('key rotation', () => {
  it('a value sealed with the previous key opens, and the next write seals it with the current key', async () => {
    const table = new MemoryTable();
    await secretsOver(table, ring(oldKey)).write(openai, { apiKey: 'sk-1' });
    const rotated = secretsOver(table, ring(newKey, oldKey));
    expect((await rotated.read(openai, ['apiKey'])).values).toEqual({ apiKey: 'sk-1' });
    expect(sealedKeyId(table.rows.get(openai.id)!)).toBe(oldKey.id); // a read does not write
    await rotated.write(openai, { apiKey: 'sk-2' });
    expect(sealedKeyId(table.rows.get(openai.id)!)).toBe(newKey.id);
    expect((await secretsOver(table, ring(newKey)).read(openai, ['apiKey'])).values).toEqual({ apiKey: 'sk-2' });
  });

  it('without the previous key an old value is refused, naming the key that sealed it', async () => {
    const table = new MemoryTable();
    await secretsOver(table, ring(oldKey)).write(openai, { apiKey: 'sk-1' });
    expect((await rejection(secretsOver(table, ring(newKey)).read(openai, ['apiKey']))).message).toBe(
      `the secret of connection 'openai' was sealed with key ${oldKey.id}, which is neither the current key (${newKey.id}) nor a previous one`,
    );
  });

  it('resealAll moves every row to the current key, reports what it cannot open, and can run again', async () => {
    const table = new MemoryTable();
    table.rows.set('conn_a', seal(oldKey, 'conn_a', '{"apiKey":"a"}'));
    table.rows.set('conn_b', seal(newKey, 'conn_b', '{"apiKey":"b"}'));
    table.rows.set('conn_c', seal(strayKey, 'conn_c', '{"apiKey":"c"}'));
    table.rows.set('conn_d', seal(oldKey, 'conn_a', '{"apiKey":"copied"}')); // sealed for another connection
    const keys = ring(newKey, oldKey);
    const untouched = table.rows.get('conn_b');
    const report = await resealAll(table, keys);
    expect(report.resealed).toEqual(['conn_a']);
    expect(report.unchanged).toEqual(['conn_b']);
    expect(report.failed.map((failure) => failure.connectionId)).toEqual(['conn_c', 'conn_d']);
    expect(report.failed[0]!.reason).toContain(`was sealed with key ${strayKey.id}`);
    expect(JSON.stringify(report)).not.toMatch(/"apiKey"|copied/);
    expect(table.rows.get('conn_b')).toBe(untouched);
    const newOnly = secretsOver(table, ring(newKey));
    expect((await newOnly.read({ id: 'conn_a', name: 'a' }, ['apiKey'])).values).toEqual({ apiKey: 'a' });
    const again = await resealAll(table, keys);
    expect(again.resealed).toEqual([]);
    expect(again.unchanged).toEqual(['conn_a', 'conn_b']);
  });

  it('resealAll never puts an old secret back over one written while it runs', async () => {
    const table = new MemoryTable();
    table.rows.set('conn_a', seal(oldKey, 'conn_a', '{"apiKey":"old-secret"}'));
    const racing = Object.assign(Object.create(table) as MemoryTable, {
      async swap(connectionId: string, expected: string, sealed: string) {
        // Another CLI rotates the provider key between the re-seal's read and its write.
        table.rows.set(connectionId, seal(newKey, connectionId, '{"apiKey":"new-secret"}'));
        return table.swap(connectionId, expected, sealed);
      },
    });
    const report = await resealAll(racing, ring(newKey, oldKey));
    expect(report).toEqual({ resealed: [], unchanged: ['conn_a'], failed: [] });
    const read = await secretsOver(table, ring(newKey)).read({ id: 'conn_a', name: 'a' }, ['apiKey']);
    expect(read.values).toEqual({ apiKey: 'new-secret' });
  });
});
