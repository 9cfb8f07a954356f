import type { Command } from 'commander';
import { repeatable } from '../../verb.js';

/** Flags shared by `resource add` and `resource update`. */
export function resourceFlags(command: Command): Command {
  return command
    .option('--model <connection/model>', 'primary model: a connection of this environment and the provider model id')
    .option('--fallback <connection/model>', "fallback model, tried in order (repeatable; 'none' clears)", repeatable)
    .option('--no-fallback', 'do not fall back (keeps the fallback list for later)')
    .option(
      '--secondary <connection/model>',
      "model selectable with vmx.secondaryModelIndex (repeatable; 'none' clears)",
      repeatable,
    )
    .option(
      '--route <rule>',
      "routing rule, evaluated in order (repeatable; 'none' clears), e.g. 'tokens.input < 100 -> groq/llama-3.1-8b-instant'",
      repeatable,
    )
    .option(
      '--routing-file <file>',
      "routing in the full JSON form ('-' reads stdin); `resource show --json` output works too",
    )
    .option('--limit <spec>', "capacity, e.g. 60r/m or 100000t/d, or 'none' (repeatable)", repeatable)
    .option('--enforce-capacity', 'enforce this resource’s own limits (connection limits always apply)')
    .option('--no-enforce-capacity', 'stop enforcing this resource’s own limits')
    .option('--description <text>', 'what the resource is for');
}
