import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const envCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'env', summary: "Manage a workspace's environments" },
    [
      {
        name: 'add',
        args: '[name]',
        summary: 'Add an environment to a workspace',
        examples: ['vmx env add dev -w acme', 'vmx env add production --description "live traffic"'],
        takesFlags: true,
        load: () => import('./add.js'),
      },
      {
        name: 'list',
        summary: "List a workspace's environments",
        examples: ['vmx env list -w acme', 'vmx env list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[env]',
        summary: 'Show an environment (default: -e or the current context)',
        examples: ['vmx env show dev -w acme', 'vmx env show --json'],
        load: () => import('./show.js'),
      },
      {
        name: 'update',
        args: '[env]',
        summary: 'Rename an environment or change its description',
        examples: ['vmx env update dev --name development -w acme', 'vmx env update dev --description ""'],
        takesFlags: true,
        load: () => import('./update.js'),
      },
      {
        name: 'remove',
        args: '[env]',
        summary: 'Remove an environment and everything in it',
        examples: ['vmx env remove staging -w acme', 'vmx env remove staging --yes'],
        load: () => import('./remove.js'),
      },
    ],
    deps,
  );
