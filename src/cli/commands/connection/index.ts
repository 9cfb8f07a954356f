import type { CliDeps } from '../../context.js';
import { buildNoun } from '../../verb.js';

export const connectionCommand = (deps: CliDeps) =>
  buildNoun(
    { name: 'connection', alias: 'conn', summary: 'Provider accounts (secrets live in the OS keychain)' },
    [
      {
        name: 'add',
        args: '[name]',
        summary: 'Add a connection to a provider',
        examples: [
          'printf %s "$OPENAI_API_KEY" | vmx connection add oa --provider openai --api-key-stdin',
          'vmx connection add local --provider openai-compatible --base-url http://127.0.0.1:11434/v1',
          'vmx connection add bedrock --provider aws-bedrock --region us-east-1 --profile work',
          'vmx connection add groq --provider groq --api-key-env GROQ_API_KEY --limit 30r/m --limit 6000t/m',
          "vmx connection add azure --provider openai-compatible --base-url https://acme.openai.azure.com/openai/v1 --header 'api-key: …'",
        ],
        takesFlags: true,
        load: () => import('./add.js'),
      },
      {
        name: 'list',
        summary: "List an environment's connections",
        examples: ['vmx connection list', 'vmx connection list --json'],
        load: () => import('./list.js'),
      },
      {
        name: 'show',
        args: '[connection]',
        summary: 'Show a connection; secrets (key, header values) are shown as ******** with where they are stored',
        examples: ['vmx connection show oa'],
        load: () => import('./show.js'),
      },
      {
        name: 'update',
        args: '[connection]',
        summary: 'Change a connection; a new secret replaces the stored one, none keeps it',
        examples: [
          'vmx connection update oa --limit 500r/m',
          'vmx connection update oa --api-key-env NEW_OPENAI_KEY',
          'vmx connection update oa --first-byte-timeout 5m --idle-timeout 2m',
        ],
        takesFlags: true,
        load: () => import('./update.js'),
      },
      {
        name: 'test',
        args: '[connection]',
        summary: 'Make a minimal real call through the connection and report latency or the provider’s error',
        examples: ['vmx connection test oa', 'vmx connection test oa --model gpt-4o-mini --json'],
        takesFlags: true,
        load: () => import('./test.js'),
      },
      {
        name: 'reseal',
        summary:
          'Seal every connection secret of a shared store with the current secret key (the last step of a key rotation)',
        examples: [
          'VMX_SECRET_KEY="$(cat new.key)" VMX_SECRET_KEY_PREVIOUS="$(cat old.key)" vmx connection reseal',
          'vmx connection reseal --secret-key-file /etc/vmx/secret.key --json',
        ],
        load: () => import('./reseal.js'),
      },
      {
        name: 'remove',
        args: '[connection]',
        summary: 'Remove a connection and its keychain entry (refused while resources use it)',
        examples: ['vmx connection remove oa --yes', 'vmx connection remove oa --force --yes'],
        takesFlags: true,
        load: () => import('./remove.js'),
      },
    ],
    deps,
  );
