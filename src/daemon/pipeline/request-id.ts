import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, so request ids sort by
 * time and land at the end of the audit and usage indexes instead of at random pages (a third of the
 * cost of recording a request). Built on randomUUID(), whose random bits and variant stay; only the
 * timestamp and the version nibble are written over. Node 20 has no UUIDv7 of its own, and the `uuid`
 * package's takes ~5 µs a call against randomUUID's ~0.1 µs.
 */
export function requestId(now = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
