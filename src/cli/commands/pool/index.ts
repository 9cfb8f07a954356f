import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

/** How pools share a budget, under each verb's --help. */
const POOLS =
  "Pools share each connection's per-minute token limit (its --limit <n>t/m): a pool keeps its min share, grows toward its max when busy — taking from lower-priority pools above their min — and shrinks back when quiet. Priority = rank (1 first).";

export const poolCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'pool', summary: "Prioritization pools: resources sharing connections' per-minute token budgets by rank" },
    [
      {
        name: 'set',
        args: '[name]',
        summary: 'Create a pool, or change one (flags left out keep their value; --resource replaces the list)',
        details: `${POOLS}\nA new pool needs --rank, --min, --max and --resource. The mins of an environment's pools add up to at most 100%, and a resource is in one pool at most.`,
        examples: [
          'vmx pool set high --rank 1 --min 20 --max 100 --resource chat',
          'vmx pool set low --rank 2 --min 0 --max 50 --resource batch --resource search',
          'vmx pool set low --max 70',
        ],
        takesFlags: true,
        load: () => import('./set.js'),
      },
      {
        name: 'list',
        summary: "List an environment's pools, first served first",
        details: POOLS,
        examples: ['vmx pool list', 'vmx pool list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[pool]',
        summary: 'Show one pool',
        examples: ['vmx pool show high', 'vmx pool show high --json'],
        load: () => import('./show.js'),
      },
      {
        name: 'status',
        summary: "Each pool's share of each connection's budget now, its tokens this minute and its last change",
        details: POOLS,
        examples: ['vmx pool status', 'vmx pool status --connection oa --json'],
        takesFlags: true,
        load: () => import('./status.js'),
      },
      {
        name: 'remove',
        args: '[pool]',
        summary: 'Remove a pool (its resources are no longer prioritized)',
        examples: ['vmx pool remove low --yes'],
        load: () => import('./remove.js'),
      },
    ],
    deps,
  );
