import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const configCommand = (deps: CliDeps) =>
  buildNoun({ name: 'config', summary: 'Store-wide settings: how long usage and audit history is kept' }, [
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
      examples: ['vmx config set retention.audit-bodies 7d', 'vmx config set retention.usage-raw 30d'],
      load: () => import('./set.js'),
    },
    {
      name: 'unset',
      args: '[key]',
      summary: 'Put a setting back to its default',
      examples: ['vmx config unset retention.usage-raw'],
      load: () => import('./unset.js'),
    },
  ], deps);
