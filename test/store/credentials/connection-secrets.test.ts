import { describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../../src/errors.js';
import { CompositeStore } from '../../../src/store/credentials/composite-store.js';
import { ConnectionSecrets, connectionEnvVar } from '../../../src/store/credentials/connection-secrets.js';
import { FileStore } from '../../../src/store/credentials/file-store.js';
import { tempHome } from '../../helpers/temp-home.js';
import { catchError, MemoryStore } from './fakes.js';

const oa = { id: 'conn_oa', name: 'oa' };
const bedrock = { id: 'conn_br', name: 'my-bedrock' };
const awsFields = ['accessKeyId', 'secretAccessKey', 'sessionToken'];

describe('connectionEnvVar', () => {
  it.each([
    ['oa', 'apiKey', 'VMX_OA_API_KEY'],
    ['my-bedrock', 'secretAccessKey', 'VMX_MY_BEDROCK_SECRET_ACCESS_KEY'],
    ['my-bedrock', 'accessKeyId', 'VMX_MY_BEDROCK_ACCESS_KEY_ID'],
    ['my-bedrock', 'sessionToken', 'VMX_MY_BEDROCK_SESSION_TOKEN'],
    ['Groq.EU 2', 'apiKey', 'VMX_GROQ_EU_2_API_KEY'],
    ['oa', 'api_key', 'VMX_OA_API_KEY'],
  ])('(%s, %s) → %s', (name, field, expected) => {
    expect(connectionEnvVar(name, field)).toBe(expected);
  });
});

describe('ConnectionSecrets', () => {
  it('stores all fields of a connection as ONE entry (a JSON object) keyed by the connection id', () => {
    const store = new MemoryStore();
    const secrets = new ConnectionSecrets(store, {});
    secrets.write(bedrock.id, { accessKeyId: 'AKIA1', secretAccessKey: 'sak-1', sessionToken: undefined });
    expect([...store.items]).toEqual([['conn_br', '{"accessKeyId":"AKIA1","secretAccessKey":"sak-1"}']]);
    expect(secrets.read(bedrock, awsFields)).toEqual({
      values: { accessKeyId: 'AKIA1', secretAccessKey: 'sak-1' },
      fromEnv: [],
      missing: ['sessionToken'],
    });
    expect(secrets.has(bedrock.id)).toBe(true);
  });

  it('a write replaces the whole entry: a rotation without a session token drops the old one', () => {
    const secrets = new ConnectionSecrets(new MemoryStore(), {});
    secrets.write(bedrock.id, { accessKeyId: 'AKIA1', secretAccessKey: 'sak-1', sessionToken: 'tok-1' });
    secrets.write(bedrock.id, { accessKeyId: 'AKIA2', secretAccessKey: 'sak-2' });
    expect(secrets.read(bedrock, awsFields).values).toEqual({ accessKeyId: 'AKIA2', secretAccessKey: 'sak-2' });
  });

  it('environment overrides win field by field and are never written', () => {
    const store = new MemoryStore();
    const env = { VMX_MY_BEDROCK_SECRET_ACCESS_KEY: 'sak-env', VMX_MY_BEDROCK_SESSION_TOKEN: '' };
    const secrets = new ConnectionSecrets(store, env);
    secrets.write(bedrock.id, { accessKeyId: 'AKIA1', secretAccessKey: 'sak-stored', sessionToken: 'tok-stored' });
    expect(secrets.read(bedrock, awsFields)).toEqual({
      values: { accessKeyId: 'AKIA1', secretAccessKey: 'sak-env', sessionToken: 'tok-stored' }, // empty var = unset
      fromEnv: ['secretAccessKey'],
      missing: [],
    });
    expect(store.items.get(bedrock.id)).not.toContain('sak-env');
  });

  it('an env-only connection reads without opening the store at all', () => {
    let opened = 0;
    const secrets = new ConnectionSecrets(
      () => {
        opened++;
        return new MemoryStore();
      },
      { VMX_OA_API_KEY: 'sk-env' },
    );
    expect(secrets.read(oa, ['apiKey'])).toEqual({ values: { apiKey: 'sk-env' }, fromEnv: ['apiKey'], missing: [] });
    expect(opened).toBe(0);
    expect(secrets.has(oa.id)).toBe(false); // has() counts stored secrets only
    expect(opened).toBe(1);
  });

  it('reports where the secret lives, never its value', () => {
    const home = tempHome();
    const keychain = new MemoryStore();
    const file = new FileStore(home);
    file.set('conn_old', '{"apiKey":"sk-file"}');
    const secrets = new ConnectionSecrets(new CompositeStore(keychain, [file]), { VMX_OA_API_KEY: 'sk-env' });
    expect(secrets.status(oa, ['apiKey'])).toEqual({
      value: '********',
      source: 'env',
      envOverrides: ['VMX_OA_API_KEY'],
    });
    secrets.write(oa.id, { apiKey: 'sk-kc' });
    expect(secrets.status(oa, ['apiKey'])).toEqual({
      value: '********',
      source: 'keychain',
      envOverrides: ['VMX_OA_API_KEY'],
    });
    expect(secrets.status({ id: 'conn_old', name: 'old' }, ['apiKey'])).toMatchObject({ source: 'file' });
    expect(secrets.status({ id: 'conn_none', name: 'none' }, ['apiKey'])).toEqual({
      value: null,
      source: 'none',
      envOverrides: [],
    });
  });

  it('remove deletes the entry; has reflects it', () => {
    const secrets = new ConnectionSecrets(new MemoryStore(), {});
    secrets.write(oa.id, { apiKey: 'sk-1' });
    expect(secrets.remove(oa.id)).toBe(true);
    expect(secrets.remove(oa.id)).toBe(false);
    expect(secrets.has(oa.id)).toBe(false);
    expect(secrets.read(oa, ['apiKey'])).toEqual({ values: {}, fromEnv: [], missing: ['apiKey'] });
  });

  it('refuses empty input', () => {
    const secrets = new ConnectionSecrets(new MemoryStore(), {});
    expect(() => secrets.write(oa.id, {})).toThrow(UsageError);
    expect(() => secrets.write(oa.id, { apiKey: '' })).toThrow(UsageError);
  });

  it('a damaged stored entry is a RuntimeError that does not quote it', () => {
    const store = new MemoryStore();
    store.set(oa.id, 'sk-raw-not-json');
    const error = catchError(() => new ConnectionSecrets(store, {}).read(oa, ['apiKey']));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.message).not.toContain('sk-raw');
  });
});
