import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const memberCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'member', summary: "Manage a workspace's members (owners only, except list)" },
    [
      {
        name: 'add',
        args: '[user]',
        summary: 'Add a member to a workspace',
        examples: ['vmx member add bob -w acme', 'vmx member add alice --role owner -w acme'],
        takesFlags: true,
        load: () => import('./add.js'),
      },
      {
        name: 'list',
        summary: "List a workspace's members and their roles",
        examples: ['vmx member list -w acme', 'vmx member list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'set-role',
        args: '[user] [role]',
        summary: "Change a member's role",
        examples: ['vmx member set-role bob owner -w acme', 'vmx member set-role alice member'],
        load: () => import('./set-role.js'),
      },
      {
        name: 'remove',
        args: '[user]',
        summary: 'Remove a member from a workspace',
        examples: ['vmx member remove bob -w acme --yes'],
        load: () => import('./remove.js'),
      },
    ],
    deps,
  );
