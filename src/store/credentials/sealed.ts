import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RuntimeError } from '../../errors.js';
import type { SecretKey, SecretKeyring } from './sealed-keys.js';

/**
 * Secrets sealed for the shared store: AES-256-GCM, a fresh 96-bit IV per value, a 128-bit tag.
 *
 * A sealed value is one line of text, `v1.<keyId>.<iv>.<tag>.<ciphertext>`, the last three in
 * base64url and `keyId` the 8 hex characters naming the key (see {@link SecretKey.id}), so a rotation
 * can tell which key sealed a value without trying them all. The associated data is the header
 * `v1.<keyId>.` followed by the connection id: a value copied to another connection's row, or a
 * header edited to point at another key, does not open.
 */
export const SEALED_VERSION = 'v1';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;

/** The parts of a sealed value; `undefined` for text that is not one. */
interface SealedParts {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** What {@link openSealed} found. */
export interface OpenedSecret {
  plaintext: string;
  /** The key that sealed it. */
  keyId: string;
  /** True when that is a previous key: the value should be sealed again with the current one. */
  stale: boolean;
}

/** Seals `plaintext` for `connectionId` with `key`. */
export function seal(key: SecretKey, connectionId: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(key.id, connectionId));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
  return [SEALED_VERSION, key.id, ...parts].join('.');
}

/** The id of the key that sealed `sealed`, or `undefined` when it is not a sealed value. */
export function sealedKeyId(sealed: string): string | undefined {
  return parse(sealed)?.keyId;
}

/**
 * Opens a value sealed for `connectionId` with the current or a previous key of `keys`.
 * @param label names the connection in errors (its name when known, else its id).
 * @throws RuntimeError when the text is not a sealed value, names a key not in `keys`, or does not
 *   authenticate (altered, sealed for another connection). Messages hold key ids only: never the
 *   secret, a key or the ciphertext.
 */
export function openSealed(
  keys: SecretKeyring,
  connectionId: string,
  sealed: string,
  label = connectionId,
): OpenedSecret {
  const parts = parse(sealed);
  if (!parts) {
    throw new RuntimeError(
      `the stored secret of connection '${label}' is not a sealed value this vmx reads (expected ${SEALED_VERSION}.<key id>.<iv>.<tag>.<ciphertext>)`,
      'set the secret again, e.g. with `vmx connection update`',
    );
  }
  const candidates = [keys.current, ...keys.previous].filter((key) => key.id === parts.keyId);
  if (candidates.length === 0) {
    throw new RuntimeError(
      `the secret of connection '${label}' was sealed with key ${parts.keyId}, which is neither the current key (${keys.current.id}) nor a previous one`,
      'give that key as a previous key: a further line of the key file, or VMX_SECRET_KEY_PREVIOUS',
    );
  }
  // Two keys share an 8-hex id only by a 1-in-4-billion chance; then both are tried.
  for (const key of candidates) {
    const plaintext = decrypt(key, connectionId, parts);
    if (plaintext !== undefined) return { plaintext, keyId: key.id, stale: key !== keys.current };
  }
  throw new RuntimeError(
    `the secret of connection '${label}' does not open with key ${parts.keyId}: it was altered, or sealed for another connection`,
    'set the secret again, e.g. with `vmx connection update`',
  );
}

function decrypt(key: SecretKey, connectionId: string, parts: SealedParts): string | undefined {
  try {
    const decipher = createDecipheriv(ALGORITHM, key.key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(key.id, connectionId));
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return undefined; // node's message says only "Unsupported state or unable to authenticate data"
  }
}

function associatedData(keyId: string, connectionId: string): Buffer {
  return Buffer.from(`${SEALED_VERSION}.${keyId}.${connectionId}`, 'utf8');
}

function parse(sealed: string): SealedParts | undefined {
  const match = FORMAT.exec(sealed);
  if (!match) return undefined;
  const [, keyId, iv, tag, ciphertext] = match as unknown as [string, string, string, string, string];
  return {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
  };
}
