import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const keyCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'key', summary: 'API keys that clients of the daemon authenticate with' },
    [
      {
        name: 'create',
        args: '[name]',
        summary: 'Create an API key; it is printed once',
        examples: ['vmx key create laptop --resource chat', 'vmx key create ci --limit 100r/m --expires 30d --json'],
        takesFlags: true,
        load: () => import('./create.js'),
      },
      {
        name: 'list',
        summary: "List an environment's API keys (masked)",
        examples: ['vmx key list', 'vmx key list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[key]',
        summary: 'Show one API key (masked)',
        examples: ['vmx key show laptop'],
        load: () => import('./show.js'),
      },
      {
        name: 'disable',
        args: '[key]',
        summary: 'Disable a key: it stays listed but requests with it get 401',
        examples: ['vmx key disable laptop'],
        load: () => import('./set-enabled.js').then((m) => ({ verb: m.disable })),
      },
      {
        name: 'enable',
        args: '[key]',
        summary: 'Enable a disabled key again',
        examples: ['vmx key enable laptop'],
        load: () => import('./set-enabled.js').then((m) => ({ verb: m.enable })),
      },
      {
        name: 'revoke',
        args: '[key]',
        summary: 'Delete a key for good',
        examples: ['vmx key revoke laptop --yes'],
        load: () => import('./revoke.js'),
      },
    ],
    deps,
  );
