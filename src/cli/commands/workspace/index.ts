import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const workspaceCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'workspace', alias: 'ws', summary: 'Create and manage workspaces' },
    [
      {
        name: 'create',
        args: '[name]',
        summary: 'Create a workspace; you become its owner',
        examples: ['vmx workspace create acme --description "Acme agents"', 'vmx workspace create acme --json'],
        takesFlags: true,
        load: () => import('./create.js'),
      },
      {
        name: 'list',
        summary: 'List the workspaces you are a member of',
        examples: ['vmx workspace list', 'vmx workspace list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[workspace]',
        summary: 'Show a workspace (default: -w or the current context)',
        examples: ['vmx workspace show acme', 'vmx workspace show --json'],
        load: () => import('./show.js'),
      },
      {
        name: 'update',
        args: '[workspace]',
        summary: 'Rename a workspace or change its description',
        examples: ['vmx workspace update acme --name acme-corp', 'vmx workspace update acme --description ""'],
        takesFlags: true,
        load: () => import('./update.js'),
      },
      {
        name: 'delete',
        args: '[workspace]',
        summary: 'Delete a workspace with all its environments (owner only)',
        examples: ['vmx workspace delete acme', 'vmx workspace delete acme --yes'],
        load: () => import('./delete.js'),
      },
    ],
    deps,
  );
