import type { VerbDefinition } from '../../verb.js';

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
    'vmx usage --since 24h --by hour            # every hour, idle ones as zeros; a chart on a terminal',
    'vmx usage --since 7d --by day --by resource',
    "vmx usage --since 1h --by minute --json | jq '.totals'",
  ],
  takesFlags: true,
  load: () => import('./run.js'),
};
