import { humanValue } from './human-values.js';

/** Raw fields a view also carries in a human form (the key's value): only the human form is shown. */
const SHOWN_AS: Record<string, string> = { enabled: 'status', capacity: 'limits' };

/**
 * The `key: value` lines of one entity for people. The entity is what `--json` prints; here raw fields
 * give way to their human forms: `enabled` to `status`, `capacity` to `limits`, ids in `resources` to
 * `resourceNames` (shown as `resources`), and a `config` object is spread into the view, its fields
 * that the view already shows (`baseUrl`) once. `hide` names other fields to leave out.
 */
export function objectLines(value: object, hide: readonly string[] = [], now = Date.now()): string[] {
  const fields = new Map<string, unknown>();
  const namesOf = (key: string) => [`${key}Names`, `${key.replace(/s$/, '')}Names`].find((k) => k in value);
  const replacing = new Set(Object.keys(value).flatMap((key) => namesOf(key) ?? []));
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || hide.includes(key) || replacing.has(key)) continue;
    if (SHOWN_AS[key] !== undefined && SHOWN_AS[key] in value) continue;
    if (key === 'config' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [name, setting] of Object.entries(v)) if (!(name in value)) fields.set(name, setting);
      continue;
    }
    // Ids give way to names, in the ids' place and under their field's name.
    const names = namesOf(key);
    fields.set(key, names === undefined ? v : (value as Record<string, unknown>)[names]);
  }
  const width = Math.max(0, ...[...fields.keys()].map((key) => key.length));
  return [...fields].map(([key, v]) => `${`${key}:`.padEnd(width + 2)}${humanValue(v, now)}`);
}
