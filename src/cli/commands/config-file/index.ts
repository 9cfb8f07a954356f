import type { VerbDefinition } from '../../verb.js';

/** `vmx export` and `vmx apply`: the configuration as a YAML file (README.md here has its format). */
export const configFileVerbs: VerbDefinition[] = [
  {
    name: 'export',
    summary: 'Write the configuration as YAML: everything but secrets, by name, in a stable order',
    details:
      'Without -w/-e: the current workspace; -e: one environment of it; --all: every workspace you are a member of. Store-wide settings (vmx config) come with each. Keys are their metadata only; a connection names the variable its secret is read from (apiKeyEnv).',
    examples: ['vmx export -o acme.yaml', 'vmx export -w acme -e prod', 'vmx export --all -o everything.yaml'],
    takesFlags: true,
    load: () => import('./export.js'),
  },
  {
    name: 'apply',
    summary: 'Make the store match a config file: plan, then apply all of it in one transaction',
    details:
      'Only what the file names changes; --prune also deletes what the lists in the file leave out (never a workspace). Applying the same file again changes nothing. A key the file names that does not exist is created and printed once.',
    examples: [
      'vmx apply -f acme.yaml --plan',
      'vmx apply -f acme.yaml',
      'OPENAI_API_KEY=sk-… vmx apply -f acme.yaml --prune --json',
    ],
    takesFlags: true,
    load: () => import('./apply.js'),
  },
];
