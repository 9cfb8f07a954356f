import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

/** Who may change a setting (checked in settings.ts). */
const OWNER_RULE =
  "Needs the owner role in at least one workspace (or a store with no workspace yet): retention prunes every workspace's history.";

export const configCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'config', summary: 'Store-wide settings: how long usage and audit history is kept' },
    [
      {
        name: 'list',
        summary: 'Every setting with its value and default',
        examples: ['vmx config list', 'vmx config list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'get',
        args: '[key]',
        summary: 'The value of one setting',
        examples: ['vmx config get retention.usage-raw'],
        load: () => import('./get.js'),
      },
      {
        name: 'set',
        args: '[key] [value]',
        summary: 'Change a setting (a running daemon prunes by it within a minute)',
        details: OWNER_RULE,
        examples: ['vmx config set retention.audit-bodies 7d', 'vmx config set retention.usage-raw 30d'],
        load: () => import('./set.js'),
      },
      {
        name: 'unset',
        args: '[key]',
        summary: 'Put a setting back to its default',
        details: OWNER_RULE,
        examples: ['vmx config unset retention.usage-raw'],
        load: () => import('./unset.js'),
      },
    ],
    deps,
  );
