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
          'vmx audit list --resource chat --key laptop --limit 20 --json',
        ],
        takesFlags: true,
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[request-id]',
        summary: 'One request in full: events, timings, bodies as stored, error, and its provider attempts',
        examples: ['vmx audit show req_01J…', 'vmx audit show req_01J… --json'],
        load: () => import('./show.js'),
      },
    ],
    deps,
  );
