import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { spawn } from '../../src/cli/child-process.js';

describe('the bundle’s node:child_process', () => {
  it('spawns as node:child_process does, loading it on the first call', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(3);
  });
});
