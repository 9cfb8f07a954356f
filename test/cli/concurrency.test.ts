import { describe, expect, it } from 'vitest';
import { cli as inProcess } from '../helpers/run-cli-in-process.js';
import { cli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

/** The parallel commands are real processes; the setup and the look at what landed run in this process. */
describe('many CLI processes against one store', () => {
  it('20 parallel `env add` all succeed', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const local = inProcess(home);
    expect((await local('workspace create acme')).code).toBe(0);
    const names = Array.from({ length: 20 }, (_, i) => `env-${i}`);
    const results = await Promise.all(names.map((name) => vmx(`env add ${name} -w acme`)));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const listed = (await local('env list -w acme --json')).json().map((e: any) => e.name);
    expect(listed.sort()).toEqual([...names].sort());
  });

  it('20 parallel first runs create and migrate a new store once', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => vmx(`workspace create ws-${i}`)));
    for (const result of results) expect([result.code, result.stderr]).toEqual([0, '']);
    expect((await inProcess(home)('workspace list --json')).json()).toHaveLength(20);
  });
});
