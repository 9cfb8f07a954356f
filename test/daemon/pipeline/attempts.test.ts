import { describe, expect, it } from 'vitest';
import { worthFallingBack } from '../../../src/daemon/pipeline/attempts.js';

/**
 * HTTP.md "Fallback": a provider's answer falls back to the next model unless the request itself is
 * wrong (400, 422): another model would refuse it just the same.
 */
describe('which failed attempts fall back to the next model', () => {
  it.each<[number, string, boolean]>([
    [400, 'bad request (the request itself)', false],
    [422, 'unprocessable (the request itself)', false],
    [401, 'bad credentials of this connection', true],
    [403, 'forbidden for this connection', true],
    [404, 'model unknown to this provider', true],
    [408, 'request timeout', true],
    [409, 'conflict', true],
    [413, 'too large for this provider', true],
    [429, 'rate limited (provider or connection capacity)', true],
    [500, 'provider error', true],
    [502, 'bad gateway / unreachable', true],
    [503, 'unavailable', true],
    [504, 'timed out', true],
    [529, 'overloaded (Anthropic)', true],
  ])('%i %s → %s', (status, _meaning, fallsBack) => {
    expect(worthFallingBack(status)).toBe(fallsBack);
  });
});
