import type { CliDeps } from '../../context.js';
import { buildNoun, repeatable } from '../../verb.js';

export const keyCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'key', summary: 'API keys that clients of the daemon authenticate with' },
    [
      {
        name: 'create',
        args: '[name]',
        summary: 'Create an API key; it is printed once',
        examples: ['vmx key create laptop --resource chat', 'vmx key create ci --limit 100r/m --expires 30d --json'],
        options: (c) =>
          c
            .option('--resource <name|id>', 'a resource this key may call (repeatable; default: all)', repeatable)
            .option('--limit <spec>', 'capacity for this key, e.g. 60r/m or 100000t/d (repeatable)', repeatable)
            .option('--expires <when>', 'expiry as a duration (30d, 12h) or a date (2027-01-31)')
            .option('--description <text>', 'what the key is for')
            .option(
              '--allow-overrides',
              "its requests' vmx.resourceConfigOverrides may lift resource limits and drop block rules",
            ),
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
        load: () => import('./set-enabled.js').then((m) => ({ run: m.disable })),
      },
      {
        name: 'enable',
        args: '[key]',
        summary: 'Enable a disabled key again',
        examples: ['vmx key enable laptop'],
        load: () => import('./set-enabled.js').then((m) => ({ run: m.enable })),
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
