import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/errors.js';
import { openSealed, seal, sealedKeyId } from '../../../src/store/credentials/sealed.js';
import { parseSecretKey, type SecretKeyring } from '../../../src/store/credentials/sealed-keys.js';

const rawKey = randomBytes(32).toString('base64');
const key = parseSecretKey(rawKey, 'test key');
const otherKey = parseSecretKey(randomBytes(32).toString('hex'), 'other key');
const ring: SecretKeyring = { current: key, previous: [], source: 'test' };
const secret = '{"apiKey":"sk-live-0123456789abcdef"}';

/** The sealed value with one byte of part `index` (2 = iv, 3 = tag, 4 = ciphertext) flipped. */
function flip(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0]! ^= 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

function openError(keys: SecretKeyring, connectionId: string, sealed: string): RuntimeError {
  try {
    openSealed(keys, connectionId, sealed, 'openai');
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    const message = (error as RuntimeError).message;
    // Never the secret, the key or the ciphertext.
    for (const leak of [secret, 'sk-live', rawKey, sealed.split('.')[4]!]) expect(message).not.toContain(leak);
    expect(message).not.toContain('\n');
    return error as RuntimeError;
  }
  throw new Error('expected the value not to open');
}

describe('seal / openSealed', () => {
  it('round-trips, in the v1.<keyId>.<iv>.<tag>.<ciphertext> format, a fresh iv each time', () => {
    const sealed = seal(key, 'conn_1', secret);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('sk-live');
    expect(sealedKeyId(sealed)).toBe(key.id);
    expect(openSealed(ring, 'conn_1', sealed)).toEqual({ plaintext: secret, keyId: key.id, stale: false });
    expect(seal(key, 'conn_1', secret)).not.toBe(sealed);
  });

  it('keeps non-ASCII text and the empty string intact', () => {
    for (const text of ['', 'clé-ü-日本-🔑']) expect(openSealed(ring, 'c', seal(key, 'c', text)).plaintext).toBe(text);
  });

  it('refuses a value sealed with another key, naming both key ids', () => {
    const sealed = seal(otherKey, 'conn_1', secret);
    const error = openError(ring, 'conn_1', sealed);
    expect(error.message).toBe(
      `the secret of connection 'openai' was sealed with key ${otherKey.id}, which is neither the current key (${key.id}) nor a previous one`,
    );
  });

  it('refuses a value copied to another connection (the connection id is the associated data)', () => {
    const error = openError(ring, 'conn_2', seal(key, 'conn_1', secret));
    expect(error.message).toBe(
      `the secret of connection 'openai' does not open with key ${key.id}: it was altered, or sealed for another connection`,
    );
  });

  it.each([
    ['iv', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ])('refuses a value whose %s was altered', (_part, index) => {
    const error = openError(ring, 'conn_1', flip(seal(key, 'conn_1', secret), index));
    expect(error.message).toContain('does not open');
  });

  it('refuses a header pointing at another key of the ring', () => {
    const both: SecretKeyring = { current: key, previous: [otherKey], source: 'test' };
    const sealed = seal(otherKey, 'conn_1', secret).replace(`.${otherKey.id}.`, `.${key.id}.`);
    expect(openError(both, 'conn_1', sealed).message).toContain('does not open');
  });

  it.each([
    ['plain text', 'sk-live-0123456789abcdef'],
    ['an unknown version', `v2.${'a'.repeat(8)}.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA`],
    ['a short tag', seal(key, 'c', secret).replace(/\.([^.]+)\.([^.]+)$/, '.AAAA.$2')],
    ['an extra part', `${seal(key, 'c', secret)}.x`],
  ])('refuses %s as not a sealed value', (_case, text) => {
    expect(sealedKeyId(text)).toBeUndefined();
    const error = openError(ring, 'c', text);
    expect(error.message).toBe(
      "the stored secret of connection 'openai' is not a sealed value this vmx reads (expected v1.<key id>.<iv>.<tag>.<ciphertext>)",
    );
  });

  it('a key printed or serialised shows no key material', () => {
    expect(inspect(ring, { depth: 5 })).not.toContain(rawKey);
    expect(inspect(ring, { depth: 5 })).not.toContain(Buffer.from(rawKey, 'base64').toString('hex'));
    expect(JSON.stringify(ring)).not.toContain(rawKey);
  });
});
