/**
 * The agent CLIs the suite runs, pinned to exact versions (the only place they are named). They are not
 * project dependencies: test/agents/install.ts puts each in a cache directory on first use.
 *
 * - Claude Code 2.1.197: the newest release whose `engines` still accept Node 20 (2.1.198 and later say
 *   `>=22`). It ships a native binary as an npm optional dependency (`@anthropic-ai/claude-code-linux-x64`),
 *   so nothing is fetched from outside the registry.
 * - Codex CLI 0.171.0: the newest release (`engines: >=16`); its native binary is an npm alias
 *   (`@openai/codex@0.171.0-linux-x64`), also from the registry.
 */
export const AGENTS = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.197', bin: 'claude' },
  codex: { pkg: '@openai/codex', version: '0.171.0', bin: 'codex' },
} as const;

export type AgentName = keyof typeof AGENTS;
