import type { AgentGateway } from './agent-gateway.js';
import { runAgent, sandbox, type AgentRun } from './run-agent.js';

/**
 * Runs `claude -p <prompt>` against the gateway's Anthropic route with every model it may pick (main,
 * small/fast, per family, subagents) set to `resource`, so each request it sends names a vmx resource.
 */
export async function runClaudeCode(
  bin: string,
  gw: AgentGateway,
  resource: string,
  prompt: string,
): Promise<AgentRun> {
  const box = sandbox();
  try {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: box.home,
      TMPDIR: box.tmp,
      CLAUDE_CONFIG_DIR: box.config,
      ANTHROPIC_BASE_URL: gw.anthropicBaseUrl,
      ANTHROPIC_API_KEY: gw.key,
      ANTHROPIC_MODEL: resource,
      ANTHROPIC_SMALL_FAST_MODEL: resource,
      ANTHROPIC_DEFAULT_HAIKU_MODEL: resource,
      ANTHROPIC_DEFAULT_SONNET_MODEL: resource,
      ANTHROPIC_DEFAULT_OPUS_MODEL: resource,
      CLAUDE_CODE_SUBAGENT_MODEL: resource,
      // No telemetry, error reports or update checks: the only traffic is the conversation, through vmx.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    };
    // `--dangerously-skip-permissions` is refused as root; allowing the one tool the cases use is enough in -p mode.
    return await runAgent(bin, ['-p', prompt, '--allowedTools', 'Bash'], { cwd: box.work, env });
  } finally {
    box.remove();
  }
}
