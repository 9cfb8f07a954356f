import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli as inProcess } from '../helpers/run-cli-in-process.js';
import { cli, type CliResult } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { rounds } from '../helpers/time-budget.js';

const ROUNDS = rounds(4, 20);

const expectOk = (results: CliResult[]) => {
  for (const result of results) expect([result.code, result.stderr]).toEqual([0, '']);
};

/**
 * `connection update` is a read-modify-write of one row (three of these edits touch the same `config`
 * column) and of one credential-store entry (the header value): unless both happen inside one
 * transaction, a later writer puts back what an earlier one changed and that edit is silently gone.
 * Only the parallel updates are processes; the setup and the look at what landed run in this process.
 */
describe('concurrent `vmx connection update`', () => {
  it(
    `keeps every edit of ${ROUNDS} rounds of 5 parallel updates of different fields`,
    { timeout: 180_000 },
    async () => {
      const home = tempHome();
      const vmx = cli(home);
      const local = inProcess(home);
      expectOk([await local('workspace create acme'), await local('env add dev -w acme'), await local('use acme/dev')]);
      const added = await local(
        'connection add up --provider openai-compatible --base-url http://127.0.0.1:9/v1 --json',
      );
      expectOk([added]);
      const id = added.json().id as string;

      for (let round = 0; round < ROUNDS; round++) {
        const results = await Promise.all([
          vmx(['connection', 'update', 'up', '--description', `d-${round}`]),
          vmx(['connection', 'update', 'up', '--limit', `${round + 1}r/m`]),
          vmx(['connection', 'update', 'up', '--base-url', `http://127.0.0.1:9/v${round}`]),
          vmx(['connection', 'update', 'up', '--first-byte-timeout', `${round + 1}s`]),
          vmx(['connection', 'update', 'up', '--header', `X-Round-${round}: value-${round}`]),
        ]);
        expectOk(results);
        const shown = (await local('connection show up --json')).json();
        const entry = (JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')) as Record<string, string>)[id];
        const stored = entry === undefined ? {} : (JSON.parse(entry) as Record<string, string>);
        expect({
          round,
          description: shown.description,
          limits: shown.limits,
          baseUrl: shown.config.baseUrl,
          firstByte: shown.config.firstByteTimeoutMs,
          header: shown.config.headers[`X-Round-${round}`],
          headerValue: stored[`header:X-Round-${round}`],
        }).toEqual({
          round,
          description: `d-${round}`,
          limits: [`${round + 1}r/m`],
          baseUrl: `http://127.0.0.1:9/v${round}`,
          firstByte: (round + 1) * 1000,
          header: '********',
          headerValue: `value-${round}`,
        });
      }
      // Every header of every round is still there: no round's secret write dropped an earlier one.
      expect(Object.keys((await local('connection show up --json')).json().config.headers)).toHaveLength(ROUNDS);
    },
  );
});
