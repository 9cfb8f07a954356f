import { describe, expect, it } from 'vitest';
import { connectionSecretFields, connectionTimeouts, urlCredentials } from '../../src/providers/registry.js';
import { connectionTarget } from '../../src/providers/types.js';

const base = { id: 'c1', name: 'az', provider: 'openai-compatible', updatedAt: '2026-01-01T00:00:00.000Z' };

describe('connectionTarget', () => {
  it('takes header values from the secret fields; config keeps only the names', () => {
    const target = connectionTarget(
      { ...base, config: { baseUrl: 'http://h/v1', headers: ['api-key', 'X-Team'] } },
      { apiKey: 'sk-1', 'header:api-key': 'hv-123456' },
    );
    expect(target.headers).toEqual({ 'api-key': 'hv-123456' });
    expect(target.config.headers).toEqual(['api-key', 'X-Team']);
    expect(target.secret).toEqual({ apiKey: 'sk-1', 'header:api-key': 'hv-123456' });
  });

  it('uses the values an older vmx kept in config, as secrets (so they are redacted), and hides them from config', () => {
    const target = connectionTarget(
      { ...base, config: { headers: { 'api-key': 'legacy-123456', 'X-Team': 'ai' } } },
      { 'header:X-Team': 'stored' },
    );
    expect(target.headers).toEqual({ 'api-key': 'legacy-123456', 'X-Team': 'stored' });
    expect(target.secret).toMatchObject({ 'header:api-key': 'legacy-123456' });
    expect(target.config).toEqual({ headers: ['api-key', 'X-Team'] });
  });

  it('asks the credential store for one field per header besides the provider fields', () => {
    expect(connectionSecretFields({ provider: 'openai', config: { headers: ['api-key'] } })).toEqual([
      'apiKey',
      'header:api-key',
    ]);
    expect(connectionSecretFields({ provider: 'aws-bedrock', config: { headers: { 'X-A': 'v' } } })).toEqual([
      'accessKeyId',
      'secretAccessKey',
      'header:X-A',
    ]);
  });
});

describe('connectionTimeouts', () => {
  it('fills in the defaults of HTTP.md', () => {
    expect(connectionTimeouts({})).toEqual({ connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000 });
    expect(connectionTimeouts({ connectTimeoutMs: 1, firstByteTimeoutMs: 2, idleTimeoutMs: 3 })).toEqual({
      connectMs: 1,
      firstByteMs: 2,
      idleMs: 3,
    });
  });
});

describe('urlCredentials', () => {
  it.each([
    ['https://u:p@h/v1', 'a user name or password (user:pass@host)'],
    ['https://u@h/v1', 'a user name or password (user:pass@host)'],
    ['https://h/v1?key=x', "the query parameter 'key'"],
    ['https://h/v1?api-key=x', "the query parameter 'api-key'"],
    ['https://h/v1?x=1&ApiKey=x', "the query parameter 'ApiKey'"],
    ['https://h/v1?sig=x', "the query parameter 'sig'"],
    ['https://h/v1?client_secret=x', "the query parameter 'client_secret'"],
  ])('%s → %s', (url, found) => {
    expect(urlCredentials(url)).toBe(found);
  });

  it.each(['https://h/v1', 'http://127.0.0.1:11434/v1', 'https://h/openai?api-version=2024-10-21', 'not a url'])(
    '%s → none',
    (url) => {
      expect(urlCredentials(url)).toBeUndefined();
    },
  );
});
