import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentGateway } from './agent-gateway.js';
import { runAgent, sandbox, type AgentRun } from './run-agent.js';

/**
 * Runs `codex exec <prompt>` against the gateway's Responses route: a `vmx` model provider in a fresh
 * CODEX_HOME, its key read from `VMX_API_KEY`, `resource` as the model.
 */
export async function runCodex(bin: string, gw: AgentGateway, resource: string, prompt: string): Promise<AgentRun> {
  const box = sandbox();
  try {
    writeFileSync(
      join(box.config, 'config.toml'),
      [
        `model = ${JSON.stringify(resource)}`,
        'model_provider = "vmx"',
        'check_for_update_on_startup = false',
        '',
        '[model_providers.vmx]',
        'name = "vmx"',
        `base_url = ${JSON.stringify(gw.openaiBaseUrl)}`,
        'wire_api = "responses"',
        'env_key = "VMX_API_KEY"',
        '',
      ].join('\n'),
    );
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: box.home,
      TMPDIR: box.tmp,
      CODEX_HOME: box.config,
      VMX_API_KEY: gw.key,
    };
    // Codex's sandbox (Landlock/seccomp) is not available in every container; the bypass flag is its
    // documented way to run commands unsandboxed and without approval prompts.
    const args = [
      'exec',
      '--dangerously-bypass-approvals-and-sandbox',
      '--skip-git-repo-check',
      '--color',
      'never',
      prompt,
    ];
    return await runAgent(bin, args, { cwd: box.work, env });
  } finally {
    box.remove();
  }
}
