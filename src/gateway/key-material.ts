import { createHash, randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters ≈ 256 bits of entropy. */
const KEY_LENGTH = 43;
export const KEY_PREFIX = 'vmx_';

/** A new API key: `vmx_` + 43 base62 characters from the CSPRNG (crypto.randomInt is unbiased). */
export function generateApiKey(): string {
  let body = '';
  for (let i = 0; i < KEY_LENGTH; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  return KEY_PREFIX + body;
}

/** What the store keeps instead of the key: its SHA-256, hex. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Enough to recognise a key in a list, never enough to use it: `vmx_AbC1****************wXyZ`. */
export function maskApiKey(key: string): string {
  const body = key.startsWith(KEY_PREFIX) ? key.slice(KEY_PREFIX.length) : key;
  return `${KEY_PREFIX}${body.slice(0, 4)}${'*'.repeat(16)}${body.slice(-4)}`;
}
