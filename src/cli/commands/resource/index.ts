import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const resourceCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'resource', alias: 'res', summary: 'Resources: the names clients send as `model`' },
    [
      {
        name: 'add',
        args: '[name]',
        summary: 'Add a resource: primary model, fallbacks, routing rules and limits',
        examples: [
          'vmx resource add chat --model oa/gpt-4o-mini --fallback oa/gpt-4.1-mini --limit 60r/m',
          "vmx resource add smart --model oa/gpt-4o --route 'tokens.input < 100 -> groq/llama-3.1-8b-instant'",
          "vmx resource add guarded --model oa/gpt-4o --route 'request.allMessagesContent matches /ssn|password/i -> block'",
          'vmx resource add canary --model oa/gpt-4o --routing-file routing.json --enforce-capacity --limit 1000r/d',
        ],
        takesFlags: true,
        load: () => import('./add.js'),
      },
      {
        name: 'list',
        summary: "List an environment's resources",
        examples: ['vmx resource list', 'vmx resource list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[resource]',
        summary: 'Show a resource; --json output feeds back into --routing-file',
        examples: ['vmx resource show chat', 'vmx resource show chat --json > chat.json'],
        load: () => import('./show.js'),
      },
      {
        name: 'update',
        args: '[resource]',
        summary: 'Change a resource; each flag given replaces that setting',
        examples: [
          'vmx resource update chat --fallback oa/gpt-4.1-mini --fallback groq/llama-3.3-70b-versatile',
          'vmx resource update chat --no-fallback',
          "vmx resource update chat --route 'request.toolsCount > 0 -> oa/gpt-4o' --route 'errorRate(5) > 10 -> groq/llama-3.3-70b'",
          'vmx resource update chat --routing-file chat.json',
        ],
        takesFlags: true,
        load: () => import('./update.js'),
      },
      {
        name: 'explain',
        args: '[resource]',
        summary: 'Dry run: which rule matches a request, which model answers, which limits apply',
        examples: [
          'vmx resource explain chat --request body.json',
          'cat body.json | vmx resource explain chat --request - --dialect messages --json',
        ],
        takesFlags: true,
        load: () => import('./explain.js'),
      },
      {
        name: 'remove',
        args: '[resource]',
        summary: 'Remove a resource (and take it out of key allow-lists)',
        examples: ['vmx resource remove chat --yes'],
        load: () => import('./remove.js'),
      },
    ],
    deps,
  );
