import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AGENTS, type AgentName } from './versions.js';

/**
 * Installs an agent CLI at its pinned version into `<cache>/<package>@<version>` (cache: `$VMX_AGENTS_CACHE`,
 * else `~/.cache/vmx/agents`), once; later runs find the binary and skip npm. Also runs as a script to
 * warm the cache: `npx tsx test/agents/install.ts [claude|codex]…`.
 */

export function agentsCache(): string {
  return process.env.VMX_AGENTS_CACHE || join(homedir(), '.cache', 'vmx', 'agents');
}

/** The agent's executable inside the cache (it may not exist yet). */
export function agentBin(name: AgentName): string {
  const { pkg, version, bin } = AGENTS[name];
  return join(agentsCache(), `${pkg}@${version}`, 'node_modules', '.bin', bin);
}

/** Returns the agent's executable, installing it first when the cache does not have it. */
export async function installAgent(name: AgentName): Promise<string> {
  const bin = agentBin(name);
  if (existsSync(bin)) return bin;
  const { pkg, version } = AGENTS[name];
  const prefix = join(agentsCache(), `${pkg}@${version}`);
  mkdirSync(prefix, { recursive: true });
  const args = ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `${pkg}@${version}`];
  await run('npm', args);
  if (!existsSync(bin)) throw new Error(`npm ${args.join(' ')} finished but ${bin} is missing`);
  return bin;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Output goes to the terminal: a first install takes a while and should say what it is doing.
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}`)),
    );
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const names = process.argv.slice(2) as AgentName[];
  for (const name of names.length ? names : (Object.keys(AGENTS) as AgentName[])) {
    console.log(await installAgent(name));
  }
}
