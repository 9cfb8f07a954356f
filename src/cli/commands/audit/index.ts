import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const auditCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'audit', summary: 'What the daemon recorded about each request of an environment' },
    [
      {
        name: 'list',
        summary: 'Recent requests, newest first',
        examples: [
          'vmx audit list',
          'vmx audit list --since 1h --status 429',
          'vmx audit list --status 5xx --until 30m',
          "vmx audit list --status '>=400' --connection oa",
          'vmx audit list --errors --model gpt-4o-mini',
          'vmx audit list --resource chat --key laptop --limit 20 --json',
        ],
        takesFlags: true,
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[request-id]',
        summary:
          'One request in full: events, timings, bodies as stored, error, and its provider attempts (a unique id prefix of 4+ characters will do)',
        examples: ['vmx audit show 0193f2a4-5b6c-7d8e-9f01-23456789abcd', 'vmx audit show 0193f2a4-5b6c-7d8e --json'],
        load: () => import('./show.js'),
      },
    ],
    deps,
  );
