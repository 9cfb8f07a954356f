import { RESOURCES } from './agent-gateway.js';
import { describeAgent } from './agent-cases.js';
import { runClaudeCode } from './claude-code.js';

// Claude Code speaks Anthropic Messages: passthrough to the fake Anthropic, conversion to the fake OpenAI's Chat Completions.
describeAgent('claude', runClaudeCode, [
  { title: 'passthrough: Messages → fake Anthropic', resource: RESOURCES.claudeDirect, upstream: 'anthropic-messages' },
  {
    title: 'converted: Messages → fake OpenAI Chat Completions',
    resource: RESOURCES.claudeConverted,
    upstream: 'openai-chat',
  },
]);
