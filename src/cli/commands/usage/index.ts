import { repeatable, type VerbDefinition } from '../../verb.js';

/** `vmx usage`: a top-level verb (no noun), registered by program.ts. */
export const usageVerb: VerbDefinition = {
  name: 'usage',
  summary:
    'Requests, errors, tokens, cost and latency of an environment over a time window, grouped by resource, model, …',
  examples: [
    'vmx usage',
    'vmx usage --since 1h --by resource',
    'vmx usage --since 7d --by key --by model --resource chat --json',
    'vmx usage --since 2027-01-01 --until 2027-02-01 --by provider',
    'vmx usage --since 7d --by day',
  ],
  options: (c) =>
    c
      .option('--since <when>', 'start of the window: a duration back from now (1h, 7d) or a date', '24h')
      .option('--until <when>', 'end of the window (exclusive): a duration back from now or a date (default: now)')
      .option(
        '--by <dimension>',
        'group by resource|model|connection|provider|key|hour|day (repeatable; default: resource, model)',
        repeatable,
      )
      .option('--resource <name>', 'only this resource')
      .option('--key <name|id>', 'only requests made with this API key (a revoked key by its id)'),
  load: () => import('./run.js'),
};
