import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open.js';
import { auditRow } from '../../helpers/history-rows.js';
import { binPath, cli } from '../../helpers/run-cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { useAcmeDev } from '../../helpers/cli-context.js';

let home: string;

/** Runs `vmx <args> | head -1` in bash with pipefail, so that the exit status is vmx's unless head failed. */
function pipedIntoHead(args: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'bash',
      ['-o', 'pipefail', '-c', `"${process.execPath}" "${binPath}" ${args} | head -1`],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, VMX_HOME: home, VMX_USER: 'alice', NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** More output than a pipe buffers (64 KiB), so that vmx is still writing when head has gone. */
beforeAll(async () => {
  home = tempHome();
  const vmx = cli(home);
  const env = await useAcmeDev(vmx);
  const store = openStore(join(home, 'vmx.db'));
  store.transaction(() => {
    for (let i = 0; i < 300; i++) {
      const error = `upstream failed: ${'x'.repeat(400)}`;
      store.audit.insert(auditRow({ requestId: `r${i}`, at: Date.now() - i, environmentId: env.id, error }));
    }
  });
  store.close();
  const line = (i: number) => JSON.stringify({ level: 30, time: Date.now(), msg: `line ${i} ${'y'.repeat(300)}` });
  writeFileSync(join(home, 'vmx.log'), Array.from({ length: 600 }, (_, i) => `${line(i)}\n`).join(''));
}, 30_000);

describe('a reader that closes the pipe early', () => {
  it.each([['audit list --limit 200 --json'], ['logs -n 500']])(
    '`vmx %s | head -1` ends quietly with exit 0, 20 of 20 times',
    async (args) => {
      for (let run = 0; run < 20; run++) {
        const result = await pipedIntoHead(args);
        expect({ run, code: result.code, stderr: result.stderr }).toEqual({ run, code: 0, stderr: '' });
        expect(result.stdout.split('\n')).toHaveLength(2);
      }
    },
    // 20 spawns of node and bash each; a loaded machine takes seconds per spawn.
    300_000,
  );
});
