import { RESOURCES } from './agent-gateway.js';
import { describeAgent } from './agent-cases.js';
import { runCodex } from './codex.js';

// Codex speaks OpenAI Responses: passthrough to the fake OpenAI, conversion to the fake Anthropic's Messages.
describeAgent('codex', runCodex, [
  {
    title: 'passthrough: Responses → fake OpenAI Responses',
    resource: RESOURCES.codexDirect,
    upstream: 'openai-responses',
  },
  {
    title: 'converted: Responses → fake Anthropic Messages',
    resource: RESOURCES.codexConverted,
    upstream: 'anthropic-messages',
  },
]);
