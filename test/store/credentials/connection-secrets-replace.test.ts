import { describe, expect, it } from 'vitest';
import { ConnectionSecrets, connectionEnvVar } from '../../../src/store/credentials/connection-secrets.js';
import { MemoryStore } from './fakes.js';

class CountingStore extends MemoryStore {
  writes = 0;
  override set(account: string, secret: string): void {
    this.writes++;
    super.set(account, secret);
  }
}

/** `replace` is how `connection update` rewrites an entry that holds a credential and header values. */
describe('ConnectionSecrets.replace', () => {
  const az = { id: 'conn_az', name: 'az' };

  it('writes the entry only when it changes, and removes it when nothing is left', () => {
    const store = new CountingStore();
    const secrets = new ConnectionSecrets(store, {});
    secrets.replace(az.id, { apiKey: 'sk-1', 'header:api-key': 'hv-1' });
    expect(secrets.storedFields(az.id)).toEqual({ apiKey: 'sk-1', 'header:api-key': 'hv-1' });
    secrets.replace(az.id, { 'header:api-key': 'hv-1', apiKey: 'sk-1' });
    expect(store.writes).toBe(1);
    secrets.replace(az.id, { apiKey: 'sk-1' });
    expect(secrets.storedFields(az.id)).toEqual({ apiKey: 'sk-1' });
    secrets.replace(az.id, {});
    expect(store.items.has(az.id)).toBe(false);
    expect(secrets.storedFields(az.id)).toEqual({});
  });

  it('storedFields never includes environment overrides', () => {
    const secrets = new ConnectionSecrets(new MemoryStore(), {
      [connectionEnvVar('az', 'header:api-key')]: 'from-env',
    });
    secrets.write(az.id, { 'header:api-key': 'stored' });
    expect(secrets.storedFields(az.id)).toEqual({ 'header:api-key': 'stored' });
    expect(secrets.read(az, ['header:api-key']).values).toEqual({ 'header:api-key': 'from-env' });
  });

  it('names header overrides VMX_<CONNECTION>_HEADER_<NAME>', () => {
    expect(connectionEnvVar('az', 'header:api-key')).toBe('VMX_AZ_HEADER_API_KEY');
    expect(connectionEnvVar('my-proxy', 'header:X-Custom-Auth')).toBe('VMX_MY_PROXY_HEADER_X_CUSTOM_AUTH');
  });
});
