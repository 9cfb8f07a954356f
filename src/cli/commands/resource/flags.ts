import { flag, list, text, toggle, type Options } from '../../verb.js';

/** Flags shared by `resource add` and `resource update`, declared once: spelling, help and type. */
export const resourceFlags = {
  model: text(
    '--model <connection/model>',
    'primary model: a connection of this environment and the provider model id',
  ),
  fallback: flag(
    '--fallback <connection/model>',
    "fallback model, tried in order (repeatable; 'none' clears)",
    // A list from --fallback, false from --no-fallback.
    (z) => z.union([z.array(z.string()), z.literal(false)]),
    { repeatable: true, negate: 'do not fall back (keeps the fallback list for later)' },
  ),
  secondary: list(
    '--secondary <connection/model>',
    "model selectable with vmx.secondaryModelIndex (repeatable; 'none' clears)",
  ),
  route: list(
    '--route <rule>',
    "routing rule, evaluated in order (repeatable; 'none' clears), e.g. 'tokens.input < 100 -> groq/llama-3.1-8b-instant'",
  ),
  routingFile: text(
    '--routing-file <file>',
    "routing in the full JSON form ('-' reads stdin); `resource show --json` output works too",
  ),
  limit: list('--limit <spec>', "capacity, e.g. 60r/m or 100000t/d, or 'none' (repeatable)"),
  enforceCapacity: toggle('--enforce-capacity', 'enforce this resource’s own limits (connection limits always apply)', {
    negate: 'stop enforcing this resource’s own limits',
  }),
  description: text('--description <text>', 'what the resource is for'),
};

export type ResourceFlags = Options<typeof resourceFlags>;
