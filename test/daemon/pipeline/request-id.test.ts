import { describe, expect, it } from 'vitest';
import { requestId } from '../../../src/daemon/pipeline/request-id.js';

describe('request ids', () => {
  it('are UUIDv7: the time in milliseconds first, random after', () => {
    const at = Date.UTC(2026, 10, 25, 7, 30);
    const id = requestId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    expect(requestId(at)).not.toBe(id);
  });

  it('sort by time', () => {
    const ids = [3, 1, 2].map((n) => requestId(1_700_000_000_000 + n * 1000));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });
});
