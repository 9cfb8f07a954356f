import { Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { buildVerb, defineVerb, flag, prepareVerbs } from '../../src/cli/verb.js';
import type { CliDeps } from '../../src/cli/context.js';
import { tempHome } from '../helpers/temp-home.js';

const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
const deps = { stdout: sink, stderr: sink, stdin: process.stdin, env: {}, canPrompt: false } as unknown as CliDeps;

/** Every verb: the nouns' verbs and the top-level ones. */
const verbsOf = (program: Command) => program.commands.flatMap((c) => (c.commands.length > 0 ? c.commands : [c]));
const verb = (program: Command, noun: string, name: string) =>
  program.commands.find((c) => c.name() === noun)!.commands.find((v) => v.name() === name)!;

describe('verb flags', () => {
  it('are registered with their verb, only for the verbs a command line names', async () => {
    const program = buildProgram(deps);
    expect(verbsOf(program).every((v) => v.options.length === 0)).toBe(true);
    await prepareVerbs(program, ['workspace', 'update', 'acme', '--name', 'list']);
    expect(verb(program, 'workspace', 'update').options.map((o) => o.long)).toEqual(['--name', '--description']);
    expect(verb(program, 'workspace', 'create').options).toEqual([]);
  });

  it("all register: each key is commander's name for its flag (else registering throws)", async () => {
    const program = buildProgram(deps);
    await prepareVerbs(program, ['help', ...everyWord(program)]);
    expect(verb(program, 'resource', 'update').options.map((o) => o.long)).toContain('--no-fallback');
  });

  it('help that lists verbs loads none, and lists them as it would with all their flags registered', async () => {
    const program = buildProgram(deps);
    const listings = () =>
      [program, ...program.commands.filter((c) => c.commands.length > 0)].map((c) => c.helpInformation());
    for (const line of [[], ['--help'], ['help'], ['env'], ['help', 'connection'], ['pool', '--help']]) {
      await prepareVerbs(program, line);
    }
    expect(verbsOf(program).every((v) => v.options.length === 0)).toBe(true);
    const unloaded = listings();
    expect(unloaded[0]).toMatch(/^ {2}usage \[options\] /m);
    await prepareVerbs(program, everyWord(program));
    expect(listings()).toEqual(unloaded);
  });

  it("give run a flag's default as declared and a given value as its schema makes it; a bad one names the flag", async () => {
    const seen: unknown[] = [];
    const limit = flag('--limit <count>', 'at most this many', (z) => z.coerce.number().check(z.int('whole')), {
      default: 50,
    });
    const run = async (line: string[]) => {
      const root = new Command('vmx').exitOverride();
      const verb = defineVerb({ flags: { limit }, run: async ({ limit }) => void seen.push(limit) });
      const home = { ...deps, env: { VMX_HOME: tempHome() } };
      root.addCommand(buildVerb({ name: 'try', summary: '-', examples: ['-'], load: async () => ({ verb }) }, home));
      await prepareVerbs(root, line);
      await root.parseAsync(line, { from: 'user' });
      return root.commands[0]!.helpInformation();
    };
    expect(await run(['try'])).toContain('(default: "50")');
    await run(['try', '--limit', '7']);
    expect(seen).toEqual([50, 7]);
    await expect(run(['try', '--limit', '1.5'])).rejects.toThrow('invalid --limit: whole');
  });
});

/** Every command name of the program: its nouns, their verbs and the top-level verbs. */
function everyWord(program: Command): string[] {
  return program.commands.flatMap((c) => [c.name(), ...c.commands.map((v) => v.name())]);
}
