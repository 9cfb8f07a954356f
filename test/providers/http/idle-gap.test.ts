import { describe, expect, it } from 'vitest';
import { withIdleGap } from '../../../src/providers/http/silence.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* paced(gaps: number[]): AsyncGenerator<number> {
  for (const [index, gap] of gaps.entries()) {
    await sleep(gap);
    yield index;
  }
}

describe('withIdleGap', () => {
  it('passes every item through when none takes longer than the gap', async () => {
    const seen: number[] = [];
    for await (const item of withIdleGap(paced([0, 10, 10]), 1_000, () => new Error('silent'))) seen.push(item);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('gives up on a source silent for longer than the gap, calling onSilence once', async () => {
    let calls = 0;
    const seen: number[] = [];
    const run = async () => {
      for await (const item of withIdleGap(paced([0, 1_000]), 50, () => (calls++, new Error('went silent'))))
        seen.push(item);
    };
    await expect(run()).rejects.toThrow('went silent');
    expect([seen, calls]).toEqual([[0], 1]);
  });

  it('does not count the time the consumer takes as silence', async () => {
    const seen: number[] = [];
    for await (const item of withIdleGap(paced([0, 0, 0]), 50, () => new Error('silent'))) {
      seen.push(item);
      await sleep(120);
    }
    expect(seen).toEqual([0, 1, 2]);
  });

  it('returns the source when the consumer stops early', async () => {
    let returned = false;
    const source = (async function* () {
      try {
        yield 1;
        yield 2;
      } finally {
        returned = true;
      }
    })();
    for await (const item of withIdleGap(source, 1_000, () => new Error('silent'))) if (item === 1) break;
    expect(returned).toBe(true);
  });
});
