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
        options: (c) =>
          c
            .option('--since <when>', 'how far back: a duration (1h, 7d) or a date', '24h')
            .option('--status <code>', 'only requests answered with this HTTP status')
            .option('--resource <name>', 'only requests for this resource')
            .option('--key <name|id>', 'only requests made with this API key (a revoked key by its id)')
            .option('--correlation-id <id>', 'only requests with this correlation id')
            .option('--limit <count>', 'at most this many rows', '50'),
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
