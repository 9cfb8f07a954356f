import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { processDeps } from '../../src/cli/context.js';
import { cli } from '../helpers/run-cli-in-process.js';
import { tempHome } from '../helpers/temp-home.js';
import { useAcmeDev } from '../helpers/cli-context.js';

let home: string;
let vmx: ReturnType<typeof cli>;

beforeAll(async () => {
  home = tempHome();
  vmx = cli(home);
  await useAcmeDev(vmx);
  await vmx('connection add oa --provider openai-compatible --base-url http://127.0.0.1:9/v1');
  await vmx('resource add chat --model oa/gpt-4o-mini');
});

const names = async (args: string) =>
  ((await vmx(`${args} --json`)).json() as Array<{ name: string }>).map((e) => e.name);

describe('one verb vocabulary', () => {
  it('creates with add, create and new alike', async () => {
    expect((await vmx('workspace add beta')).code).toBe(0);
    expect((await vmx('workspace new gamma')).code).toBe(0);
    expect((await vmx('env create staging')).code).toBe(0);
    expect((await vmx('key add ci')).code).toBe(0);
    expect((await vmx('resource create embed --model oa/text-embedding-3-small')).code).toBe(0);
    expect(await names('workspace ls')).toEqual(['acme', 'beta', 'gamma']);
    expect(await names('env ls')).toEqual(['dev', 'staging']);
    expect(await names('resource ls')).toEqual(['chat', 'embed']);
  });

  it('removes with remove, rm and delete alike; a key removed is revoked', async () => {
    expect((await vmx('workspace remove beta --yes')).code).toBe(0);
    expect((await vmx('workspace rm gamma --yes')).code).toBe(0);
    expect((await vmx('env delete staging --yes')).code).toBe(0);
    expect((await vmx('resource rm embed --yes')).code).toBe(0);
    expect((await vmx('key rm ci --yes')).code).toBe(0);
    expect(await names('workspace list')).toEqual(['acme']);
    expect(await names('env list')).toEqual(['dev']);
    expect(await names('resource list')).toEqual(['chat']);
    expect(await names('key list')).toEqual([]);
    // Without --yes and a TTY, an alias asks for it as the verb does.
    expect((await vmx('resource delete chat')).code).toBe(2);
  });

  it('suggests the verb a mistyped one is closest to', async () => {
    const typo = await vmx('resource delet chat');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown command 'delet' \(Did you mean delete\?\)/);
    expect((await vmx('key revok ci')).stderr).toContain('Did you mean revoke?');
    // A word for a verb that is no spelling of it names the noun's verb.
    expect((await vmx('key destroy ci')).stderr).toBe("error: unknown command 'destroy' (Did you mean revoke?)\n");
    expect((await vmx('env destroy dev')).stderr).toContain('(Did you mean remove?)');
    expect((await vmx('resource edit chat')).stderr).toContain('(Did you mean update?)');
    expect((await vmx('resource frobnicate')).stderr).toBe("error: unknown command 'frobnicate'\n");
  });

  it('lists the global flags in the help of every command', async () => {
    const program = buildProgram(processDeps());
    const paths: string[][] = [];
    const walk = (command: Command, path: string[]) => {
      for (const sub of command.commands) {
        paths.push([...path, sub.name()]);
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(program, []);
    expect(paths.length).toBeGreaterThan(50);
    for (const path of paths) {
      const help = await vmx([...path, '--help']);
      expect(help.code, path.join(' ')).toBe(0);
      const globals = help.stdout.slice(help.stdout.indexOf('Global Options:'));
      expect(help.stdout, path.join(' ')).toContain('Global Options:');
      for (const flag of [
        '--json',
        '--home <dir>',
        '--as <user>',
        '-w, --workspace',
        '-e, --env',
        '-y, --yes',
        '--no-color',
      ])
        expect(globals, `${path.join(' ')} ${flag}`).toContain(flag);
    }
  });
});

describe('resource explain --dialect', () => {
  it('names the API the body is written for; --route still does', async () => {
    const body = join(home, 'messages.json');
    writeFileSync(body, JSON.stringify({ model: 'chat', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    const dialect = await vmx(['resource', 'explain', 'chat', '--request', body, '--dialect', 'messages', '--json']);
    expect(dialect.code).toBe(0);
    expect(dialect.json()).toMatchObject({ route: 'messages' });
    const route = await vmx(['resource', 'explain', 'chat', '--request', body, '--route', 'messages', '--json']);
    expect(route.json()).toEqual(dialect.json());
    const bad = await vmx(['resource', 'explain', 'chat', '--request', body, '--dialect', 'grpc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: invalid --dialect 'grpc': expected chat, responses or messages\n");
    const both = await vmx([
      'resource',
      'explain',
      'chat',
      '--request',
      body,
      '--dialect',
      'chat',
      '--route',
      'messages',
    ]);
    expect(both.code).toBe(2);
  });
});
