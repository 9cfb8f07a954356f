import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, runCli } from '../../helpers/run-cli.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

let home: string;
/** A directory with a `vmx` that runs bin/vmx.js, first on the PATH the shell completes with. */
let shims: string;
let bashScript: string;

beforeAll(async () => {
  home = tempHome();
  const vmx = cli(home);
  await vmx('workspace create acme');
  await vmx('env add dev -w acme');
  await vmx('env add prod -w acme');
  await vmx('use acme/dev');
  await vmx('connection add oa --provider openai-compatible --base-url http://127.0.0.1:9/v1');
  await vmx('resource add chat --model oa/gpt-4o-mini');
  await vmx('resource add summarize --model oa/gpt-4o-mini');
  await vmx('key create laptop');
  await vmx('connection add local --provider openai-compatible --base-url http://127.0.0.1:9/v1 -e prod');
  expect((await vmx('resource add nightly --model local/gpt-4o-mini -e prod')).code).toBe(0);

  shims = join(tempHome(), 'bin');
  mkdirSync(shims);
  writeFileSync(join(shims, 'vmx'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`);
  chmodSync(join(shims, 'vmx'), 0o755);
  const printed = await runCli(['completion', 'bash'], { home });
  expect(printed.code).toBe(0);
  bashScript = join(shims, 'vmx.bash');
  writeFileSync(bashScript, printed.stdout);
});

/** What bash offers after `vmx <words>` (the last word is the one being typed), through the printed script. */
function tab(line: string[]): Promise<string[]> {
  const words = ['vmx', ...line].map((w) => `'${w}'`).join(' ');
  const script = `source '${bashScript}'
COMP_WORDS=(${words}); COMP_CWORD=${line.length}; COMP_LINE="vmx ${line.join(' ')}"; COMP_POINT=\${#COMP_LINE}
_vmx_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['--norc', '--noprofile', '-c', script],
      {
        env: {
          PATH: `${shims}:${process.env.PATH}`,
          HOME: process.env.HOME,
          VMX_HOME: home,
          VMX_USER: 'alice',
          VMX_CREDENTIAL_STORE: 'file',
        },
        timeout: 20_000,
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.split('\n').filter(Boolean)),
    );
  });
}

// Each Tab is a bash and a vmx process: on a busy machine a dozen of them take a while.
describe('vmx completion bash', { timeout: 120_000 }, () => {
  it('completes nouns and top-level verbs', async () => {
    const all = await tab(['']);
    for (const word of ['workspace', 'env', 'connection', 'resource', 'key', 'usage', 'completion', 'version'])
      expect(all).toContain(word);
    expect(all).not.toContain('__complete');
    expect(await tab(['res'])).toEqual(['resource']);
  });

  it("completes a noun's verbs", async () => {
    expect(await tab(['resource', ''])).toEqual(['add', 'list', 'show', 'update', 'explain', 'remove']);
    expect(await tab(['key', 'r'])).toEqual(['revoke']);
  });

  it("completes a verb's flags and the global ones", async () => {
    const flags = await tab(['resource', 'add', 'chat2', '--']);
    for (const flag of ['--model', '--fallback', '--limit', '--route', '--json', '--workspace', '--yes', '--help'])
      expect(flags).toContain(flag);
    expect(await tab(['usage', '--s'])).toEqual(['--since', '--secret-key-file']);
  });

  it('completes names from the store, in the scope the command line names', async () => {
    expect(await tab(['resource', 'show', ''])).toEqual(['chat', 'summarize']);
    expect(await tab(['resource', 'show', 's'])).toEqual(['summarize']);
    expect(await tab(['resource', 'show', '-e', 'prod', ''])).toEqual(['nightly']);
    expect(await tab(['key', 'revoke', ''])).toEqual(['laptop']);
    expect(await tab(['connection', 'show', ''])).toEqual(['oa']);
    expect(await tab(['env', 'remove', ''])).toEqual(['dev', 'prod']);
    expect(await tab(['-w', ''])).toEqual(['acme']);
    expect(await tab(['usage', '--resource', ''])).toEqual(['chat', 'summarize']);
    expect(await tab(['resource', 'add', 'x', '--model', ''])).toEqual(['oa/']);
    expect(await tab(['usage', '--by', 'h'])).toEqual(['hour']);
    expect(await tab(['use', 'acme/'])).toEqual(['acme/dev', 'acme/prod']);
    // A verb that makes a new entity offers no existing name.
    expect(await tab(['resource', 'add', ''])).toEqual([]);
  });

  it('offers nothing from a workspace the acting user is not in, and makes no data dir to complete', async () => {
    const stranger = await runCli(['__complete', '-w', 'acme', 'resource', 'show', ''], { home, user: 'mallory' });
    expect(stranger).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const empty = join(tempHome(), 'none');
    const nothing = await runCli(['__complete', 'resource', 'show', ''], { home: empty });
    expect(nothing).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(join(empty, 'vmx.db'))).toBe(false);
  });
});

describe('vmx completion zsh|fish', () => {
  it('prints scripts that ask the same hidden command', async () => {
    for (const shell of ['zsh', 'fish']) {
      const printed = await runCli(['completion', shell], { home });
      expect(printed.code).toBe(0);
      expect(printed.stdout).toContain('vmx __complete');
    }
    const unknown = await runCli(['completion', 'powershell'], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("error: unknown shell 'powershell': expected bash, zsh or fish\n");
  });
});
