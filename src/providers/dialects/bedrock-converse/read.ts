/** Small narrowing readers for untyped Converse JSON, and the bytes ⇄ base64 conversions it needs. */

/** A plain JSON object (not null, not an array, not bytes). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function optString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function optNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The object items of an array, or none (absent fields read as empty). */
export function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Base64 → a plain Uint8Array (not a Buffer), which is what the AWS SDK types and serialises. */
export function base64ToBytes(data: string): Uint8Array {
  const buffer = Buffer.from(data, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Converse blobs → base64. The SDK hands out Uint8Array; the JSON wire form (and JSON fixtures)
 * carries base64 strings. Anything else reads as undefined.
 */
export function bytesToBase64(bytes: unknown): string | undefined {
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return typeof bytes === 'string' ? bytes : undefined;
}
