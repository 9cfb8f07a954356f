import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli as inProcess } from '../helpers/run-cli-in-process.js';
import { cli, type CliResult } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { rounds } from '../helpers/time-budget.js';

const ROUNDS = rounds(8, 20);

const expectOk = (results: CliResult[]) => {
  for (const result of results) expect([result.code, result.stderr]).toEqual([0, '']);
};

/**
 * Edits of different fields of one entity, run as real CLI processes at the same moment: each one is
 * a read-modify-write, so unless it reads and writes inside one transaction a later writer puts back
 * what an earlier one changed, and that edit is silently gone. Only the parallel edits are processes;
 * the setup and the look at what landed run in this process (`local`), against the same store.
 */
describe('concurrent CLI edits of one entity', () => {
  it(
    `keeps every edit of ${ROUNDS} rounds of 5 parallel \`resource update\` (flags and --routing-file)`,
    { timeout: 120_000 },
    async () => {
      const home = tempHome();
      const vmx = cli(home);
      const local = inProcess(home);
      expectOk([await local('workspace create acme'), await local('env add dev -w acme'), await local('use acme/dev')]);
      expectOk([await local('connection add local --provider openai-compatible --base-url http://127.0.0.1:9/v1')]);
      expectOk([
        await local(['resource', 'add', 'shared', '--model', 'local/m0', '--route', 'tokens.input < 7 -> local/rt']),
      ]);
      // The full JSON form of one rule, as `show --json` prints it, for the --routing-file rounds.
      const routing = JSON.stringify((await local('resource show shared --json')).json().routing);

      for (let round = 0; round < ROUNDS; round++) {
        const file = join(home, `routing-${round}.json`);
        writeFileSync(file, routing.replace('"rt"', `"rt-${round}"`));
        const routeFlags =
          round % 2 === 0 ? ['--route', `tokens.input < 7 -> local/rt-${round}`] : ['--routing-file', file];
        const results = await Promise.all([
          vmx(['resource', 'update', 'shared', '--description', `d-${round}`]),
          vmx(['resource', 'update', 'shared', '--limit', `${round + 1}r/m`]),
          vmx(['resource', 'update', 'shared', '--fallback', `local/fb-${round}`]),
          vmx(['resource', 'update', 'shared', '--secondary', `local/sec-${round}`]),
          vmx(['resource', 'update', 'shared', ...routeFlags]),
        ]);
        expectOk(results);
        const shown = (await local('resource show shared --json')).json();
        expect({
          round,
          description: shown.description,
          limits: shown.limits,
          fallbacks: shown.fallbackModels.map((m: { model: string }) => m.model),
          secondaries: shown.secondaryModels.map((m: { model: string }) => m.model),
          routes: shown.routes,
        }).toEqual({
          round,
          description: `d-${round}`,
          limits: [`${round + 1}r/m`],
          fallbacks: [`fb-${round}`],
          secondaries: [`sec-${round}`],
          routes: [`tokens.input < 7 -> local/rt-${round}`],
        });
      }
    },
  );

  it(
    `keeps both edits of ${ROUNDS} rounds of parallel \`env update\` and \`workspace update\` (--name and --description)`,
    { timeout: 120_000 },
    async () => {
      const home = tempHome();
      const vmx = cli(home);
      const local = inProcess(home);
      const workspaceId = (await local('workspace create acme --json')).json().id;
      const envId = (await local('env add dev -w acme --json')).json().id;

      for (let round = 0; round < ROUNDS; round++) {
        const results = await Promise.all([
          vmx(['env', 'update', envId, '-w', workspaceId, '--name', `dev-${round}`]),
          vmx(['env', 'update', envId, '-w', workspaceId, '--description', `env-${round}`]),
          vmx(['workspace', 'update', workspaceId, '--name', `acme-${round}`]),
          vmx(['workspace', 'update', workspaceId, '--description', `ws-${round}`]),
        ]);
        expectOk(results);
        const env = (await local(['env', 'show', envId, '-w', workspaceId, '--json'])).json();
        const workspace = (await local(['workspace', 'show', workspaceId, '--json'])).json();
        expect({ round, env: [env.name, env.description], workspace: [workspace.name, workspace.description] }).toEqual(
          {
            round,
            env: [`dev-${round}`, `env-${round}`],
            workspace: [`acme-${round}`, `ws-${round}`],
          },
        );
      }
    },
  );
});
