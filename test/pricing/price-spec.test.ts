import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatPriceSpec, parsePriceSpec, type PriceOverride } from '../../src/pricing/price-spec.js';

const haiku = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

describe('parsePriceSpec', () => {
  it.each<[string, PriceOverride]>([
    ['input=2.5/M,output=10/M', { input: 2.5, output: 10 }],
    [
      'gpt-4o-mini:input=0.15/M,output=0.6/M,cached=0.075/M,cache-write=0.3/M',
      { model: 'gpt-4o-mini', input: 0.15, output: 0.6, cached: 0.075, cacheWrite: 0.3 },
    ],
    ['output=0/M', { output: 0 }],
    ['input=0.15/K', { input: 150 }],
    ['input=.5/K', { input: 500 }],
    ['input=0.00000015/token,output=0.0000006/token', { input: 0.15, output: 0.6 }],
    [' input = 3 / M , cached=0.3/M ', { input: 3, cached: 0.3 }],
    [`${haiku}:input=1.1/M,output=5.5/M`, { model: haiku, input: 1.1, output: 5.5 }],
    [
      'anthropic.claude-3-5-sonnet-20240620-v1:0:cache-write=3.75/M',
      { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', cacheWrite: 3.75 },
    ],
    ['qwen2.5:7b:input=0/M', { model: 'qwen2.5:7b', input: 0 }],
  ])('%s', (spec, expected) => {
    expect(parsePriceSpec(spec)).toStrictEqual(expected);
  });

  it.each([
    ['inptu=2/M', `invalid price 'inptu=2/M': unknown part 'inptu' (expected input, output, cached or cache-write)`],
    [
      'gpt-4o:inptu=2/M',
      `invalid price 'gpt-4o:inptu=2/M': unknown part 'inptu' (expected input, output, cached or cache-write)`,
    ],
    [
      `${haiku}:cache_write=1/M`,
      `invalid price '${haiku}:cache_write=1/M': unknown part 'cache_write' (expected input, output, cached or cache-write)`,
    ],
    ['input=1/M,input=2/M', `invalid price 'input=1/M,input=2/M': duplicate part 'input'`],
    [
      'input=2',
      `invalid price 'input=2': bad value '2' for input (expected a number with /M, /K or /token, e.g. 2.5/M)`,
    ],
    [
      'input=abc/M',
      `invalid price 'input=abc/M': bad value 'abc/M' for input (expected a number with /M, /K or /token, e.g. 2.5/M)`,
    ],
    [
      'output=1e-3/M',
      `invalid price 'output=1e-3/M': bad value '1e-3/M' for output (expected a number with /M, /K or /token, e.g. 2.5/M)`,
    ],
    [
      'input=2/m',
      `invalid price 'input=2/m': bad value '2/m' for input (expected a number with /M, /K or /token, e.g. 2.5/M)`,
    ],
    ['cached=-1/M', `invalid price 'cached=-1/M': negative value '-1/M' for cached`],
    ['', `invalid price '': expected key=value parts such as input=2.5/M,output=10/M`],
    ['gpt-4o', `invalid price 'gpt-4o': part 'gpt-4o' is not key=value (e.g. input=2.5/M)`],
    ['input=1/M,', `invalid price 'input=1/M,': empty part (stray ',')`],
    [':input=1/M', `invalid price ':input=1/M': missing model before ':'`],
    [
      'input=1/M,gpt-4o:output=2/M',
      `invalid price 'input=1/M,gpt-4o:output=2/M': bad model 'input=1/M,gpt-4o' (a model price is model:key=value,...)`,
    ],
    ['gpt-4o:', `invalid price 'gpt-4o:': part 'gpt-4o:' is not key=value (e.g. input=2.5/M)`],
  ])('rejects %j', (spec, message) => {
    expect(() => parsePriceSpec(spec)).toThrow(new Error(message));
  });
});

describe('formatPriceSpec', () => {
  it.each<[PriceOverride, string]>([
    [{ input: 2.5, output: 10 }, 'input=2.5/M,output=10/M'],
    [
      { model: 'gpt-4o-mini', cacheWrite: 0.3, cached: 0.075, output: 0.6, input: 0.15 },
      'gpt-4o-mini:input=0.15/M,output=0.6/M,cached=0.075/M,cache-write=0.3/M',
    ],
    [{ model: haiku, input: 1.1 }, `${haiku}:input=1.1/M`],
    [{ input: 1e-7, output: 1e21 }, 'input=0.0000001/M,output=1000000000000000000000/M'],
  ])('%j → %s', (override, text) => {
    expect(formatPriceSpec(override)).toBe(text);
  });

  it.each([
    'input=2.5/M,output=10/M',
    'gpt-4o-mini:cache-write=0.3/M,input=0.15/M',
    'input=0.15/K,output=0.0000006/token',
    'input=0.00000000123/M,output=123456789.987654321/M',
    'input=0.000000000001/token',
    `${haiku}:input=1.1/M,output=5.5/M,cached=0.11/M,cache-write=1.375/M`,
    'qwen2.5:7b:output=0/M',
  ])('round-trips %s', (spec) => {
    const parsed = parsePriceSpec(spec);
    expect(parsePriceSpec(formatPriceSpec(parsed))).toStrictEqual(parsed);
  });
});

it('price-spec.ts imports nothing at run time (the CLI loads it at start-up)', () => {
  const source = readFileSync(new URL('../../src/pricing/price-spec.ts', import.meta.url), 'utf8');
  expect(source).not.toMatch(/^\s*import(?!\s+type\b)/m);
  expect(source).not.toMatch(/\bimport\(|\brequire\(/);
});
