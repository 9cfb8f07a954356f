import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { prepareVerbs } from '../../src/cli/verb.js';
import type { CliDeps } from '../../src/cli/context.js';

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
    const words = program.commands.flatMap((c) => [c.name(), ...c.commands.map((v) => v.name())]);
    await prepareVerbs(program, ['help', ...words]);
    expect(verb(program, 'resource', 'update').options.map((o) => o.long)).toContain('--no-fallback');
  });
});
