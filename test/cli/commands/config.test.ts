import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

let vmx: ReturnType<typeof cli>;

beforeAll(() => {
  vmx = cli(tempHome());
});

describe('vmx config', () => {
  it('lists the retention settings with their defaults', async () => {
    const listed = await vmx('config list --json');
    expect(listed.code).toBe(0);
    expect(listed.json().map((s: { key: string; value: string; set: boolean }) => [s.key, s.value, s.set])).toEqual([
      ['retention.audit-bodies', '7d', false],
      ['retention.audit', '30d', false],
      ['retention.usage-raw', '30d', false],
      ['retention.usage-hourly', '400d', false],
    ]);
    const table = await vmx('config list');
    expect(table.stdout).toContain('retention.usage-raw');
    expect(table.stdout).toContain('30d (default)');
  });

  it('sets, gets and unsets a value', async () => {
    const set = await vmx('config set retention.usage-raw 1d');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('retention.usage-raw = 1d (was 30d, the default)\n');
    expect((await vmx('config get retention.usage-raw')).stdout).toBe('1d\n');
    expect((await vmx('config get retention.usage-raw --json')).json()).toMatchObject({
      key: 'retention.usage-raw',
      value: '1d',
      default: '30d',
      set: true,
    });
    expect((await vmx('config set retention.audit-bodies 48h --json')).json()).toMatchObject({
      value: '48h',
      set: true,
    });
    const unset = await vmx('config unset retention.usage-raw');
    expect(unset.stdout).toBe('retention.usage-raw = 30d (the default)\n');
    expect((await vmx('config get retention.usage-raw --json')).json()).toMatchObject({ value: '30d', set: false });
  });

  it('refuses unknown keys, bad durations and policies that contradict themselves, changing nothing', async () => {
    const unknown = await vmx('config set retention.forever 1d');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown setting 'retention.forever'");
    expect(unknown.stderr).toContain('retention.usage-raw');
    expect((await vmx('config set retention.audit soon')).code).toBe(2);
    const short = await vmx('config set retention.audit 30m --json');
    expect(short.code).toBe(2);
    expect(short.error().message).toBe("invalid retention.audit '30m': retention must be at least 1h");
    const longer = await vmx('config set retention.usage-raw 500d');
    expect(longer.code).toBe(2);
    expect(longer.stderr).toContain('retention.usage-raw cannot be longer than retention.usage-hourly');
    expect((await vmx('config set retention.audit 1d')).code).toBe(2);
    expect((await vmx('config get retention.audit')).stdout).toBe('30d\n');
    expect((await vmx('config set retention.usage-raw')).code).toBe(2);
    expect((await vmx('config get')).code).toBe(2);
  });
});
