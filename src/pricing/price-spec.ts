/**
 * Per-connection price overrides as typed on the CLI (`--price <spec>`, repeatable):
 *
 *   input=2.5/M,output=10/M                                  every model of the connection
 *   gpt-4o-mini:input=0.15/M,output=0.6/M,cached=0.075/M     one model
 *   us.anthropic.claude-haiku-4-5-20251001-v1:0:input=1.1/M  model ids may contain ':'
 *
 * Loaded by the CLI at start-up: imports nothing.
 */

/** Prices in USD per million tokens; a missing field means "not overridden". */
export interface PriceOverride {
  /** Exact model id this override applies to; absent = every model of the connection. */
  model?: string;
  input?: number;
  output?: number;
  /** Cache reads. */
  cached?: number;
  cacheWrite?: number;
}

type PriceField = 'input' | 'output' | 'cached' | 'cacheWrite';

/** Spec keys in canonical order. */
const fields: ReadonlyArray<readonly [key: string, field: PriceField]> = [
  ['input', 'input'],
  ['output', 'output'],
  ['cached', 'cached'],
  ['cache-write', 'cacheWrite'],
];
const fieldOf = new Map(fields);

/** Power of ten that turns a price per unit into a price per million tokens. */
const unitShift: Readonly<Record<string, number>> = { M: 0, K: 3, token: 6 };

const value = /^(-?)(\d+(?:\.\d+)?|\.\d+)\s*\/\s*(M|K|token)$/;
const keyList = /^\s*[A-Za-z][\w-]*\s*=/;

export function parsePriceSpec(text: string): PriceOverride {
  const fail = (reason: string): never => {
    throw new Error(`invalid price '${text}': ${reason}`);
  };
  const { model, list } = splitModel(text);
  const override: PriceOverride = {};
  if (model !== undefined) {
    if (model === '') fail(`missing model before ':'`);
    if (/[,=]/.test(model)) fail(`bad model '${model}' (a model price is model:key=value,...)`);
    override.model = model;
  }
  if (list.trim() === '') fail('expected key=value parts such as input=2.5/M,output=10/M');
  for (const rawPart of list.split(',')) {
    const part = rawPart.trim();
    if (part === '') fail(`empty part (stray ',')`);
    const eq = part.indexOf('=');
    if (eq < 0) fail(`part '${part}' is not key=value (e.g. input=2.5/M)`);
    const key = part.slice(0, eq).trim();
    const field = fieldOf.get(key) ?? fail(`unknown part '${key}' (expected input, output, cached or cache-write)`);
    if (override[field] !== undefined) fail(`duplicate part '${key}'`);
    const raw = part.slice(eq + 1).trim();
    const m =
      value.exec(raw) ?? fail(`bad value '${raw}' for ${key} (expected a number with /M, /K or /token, e.g. 2.5/M)`);
    if (m[1] === '-') fail(`negative value '${raw}' for ${key}`);
    // Shift the decimal exponent in the text, not by multiplying, so 0.15/K is exactly 150/M.
    override[field] = Number(`${m[2]}e${unitShift[m[3] as string]}`);
  }
  return override;
}

/** Canonical form, every value per million: `[model:]input=…/M,output=…/M,cached=…/M,cache-write=…/M`. */
export function formatPriceSpec(override: PriceOverride): string {
  const parts = fields.flatMap(([key, field]) => {
    const price = override[field];
    return price === undefined ? [] : [`${key}=${plainDecimal(price)}/M`];
  });
  const list = parts.join(',');
  return override.model === undefined ? list : `${override.model}:${list}`;
}

/**
 * The model id is everything before the last ':' followed by a `key=` list; Bedrock ids carry ':'
 * themselves (`...-v1:0`), and a mistyped key (`gpt-4o:inptu=2/M`) still splits so the error names it.
 */
function splitModel(text: string): { model?: string; list: string } {
  for (let at = text.lastIndexOf(':'); at >= 0; at = text.lastIndexOf(':', at - 1)) {
    const rest = text.slice(at + 1);
    if (keyList.test(rest)) return { model: text.slice(0, at).trim(), list: rest };
    if (at === 0) break;
  }
  return { list: text };
}

/** `String(n)` without exponent notation (1e-7 → 0.0000001), which the parser would reject. */
function plainDecimal(n: number): string {
  const s = String(n);
  const m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const whole = m[1] as string;
  const digits = whole + (m[2] ?? '');
  const point = whole.length + Number(m[3]);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}
