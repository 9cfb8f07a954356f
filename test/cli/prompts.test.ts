import { describe, expect, it } from 'vitest';
import type { CliDeps } from '../../src/cli/context.js';
import type { Prompter } from '../../src/cli/io/prompter.js';
import { main } from '../../src/cli/main.js';
import { CancelledError } from '../../src/errors.js';
import { tempHome } from '../helpers/temp-home.js';

/** Runs main() in-process as if on a terminal, with scripted answers. */
function terminal(home: string, answers: Partial<Prompter>) {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const unexpected = (kind: string) => async (message: string) => {
    throw new Error(`unexpected ${kind} prompt: ${message}`);
  };
  const prompter: Prompter = {
    input: unexpected('input'),
    select: unexpected('select') as Prompter['select'],
    confirm: unexpected('confirm'),
    password: unexpected('password'),
    ...answers,
  };
  const recording = Object.fromEntries(
    Object.entries(prompter).map(([kind, ask]) => [
      kind,
      (message: string, ...rest: unknown[]) => {
        asked.push(message);
        return (ask as (...args: unknown[]) => unknown)(message, ...rest);
      },
    ]),
  ) as unknown as Prompter;
  const deps: CliDeps = {
    stdout: { write: (t: string) => (stdout += t), isTTY: true },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: process.stdin,
    env: { VMX_HOME: home, VMX_USER: 'alice', NO_COLOR: '1' },
    prompter: recording,
    canPrompt: true,
  };
  return {
    run: (args: string) => main(args.split(' '), deps),
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    asked,
  };
}

describe('prompts on a terminal', () => {
  it('asks for a missing name instead of failing', async () => {
    const term = terminal(tempHome(), { input: async () => 'acme' });
    expect(await term.run('workspace create')).toBe(0);
    expect(term.asked).toEqual(['Workspace name']);
    expect(term.stdout).toMatch(/name:\s+acme/);
  });

  it('offers a workspace to choose when none is given', async () => {
    const home = tempHome();
    const setup = terminal(home, {});
    await setup.run('workspace create acme');
    const term = terminal(home, {
      select: (async (_message: string, choices: Array<{ name: string; value: unknown }>) => {
        expect(choices.map((c) => c.name)).toEqual(['acme']);
        return choices[0]!.value;
      }) as Prompter['select'],
      input: async () => 'dev',
    });
    expect(await term.run('env add')).toBe(0);
    expect(term.asked).toEqual(['Environment name', 'Workspace']);
  });

  it('asks before deleting and cancels with 130 when declined', async () => {
    const home = tempHome();
    await terminal(home, {}).run('workspace create acme');
    const declined = terminal(home, { confirm: async () => false });
    expect(await declined.run('workspace delete acme')).toBe(130);
    expect(declined.stderr).toBe('error: cancelled\n');
    const ctrlC = terminal(home, {
      confirm: async () => {
        throw new CancelledError();
      },
    });
    expect(await ctrlC.run('workspace delete acme')).toBe(130);
    const accepted = terminal(home, { confirm: async () => true });
    expect(await accepted.run('workspace delete acme')).toBe(0);
    expect(accepted.asked).toEqual([
      "Really delete workspace 'acme' and its 0 environment(s), with everything in them?",
    ]);
  });

  it('never asks when --yes is given', async () => {
    const home = tempHome();
    await terminal(home, {}).run('workspace create acme');
    const term = terminal(home, {});
    expect(await term.run('workspace delete acme --yes')).toBe(0);
    expect(term.asked).toEqual([]);
  });
});
