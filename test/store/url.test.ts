import { describe, expect, it } from 'vitest';
import { withoutPassword } from '../../src/store/url.js';

describe('store URLs as shown', () => {
  it('hide a password in the user part or as a parameter, and show that one is set', () => {
    expect(withoutPassword('postgres://vmx:s3cret@db:5432/vmx')).toBe('postgres://vmx:***@db:5432/vmx');
    expect(withoutPassword('redis://:s3cret@cache:6379/0')).toBe('redis://:***@cache:6379/0');
    expect(withoutPassword('postgres://db/vmx?user=vmx&password=s3cret')).toBe(
      'postgres://db/vmx?user=vmx&password=***',
    );
    expect(withoutPassword('postgres://vmx@db/vmx')).toBe('postgres://vmx@db/vmx');
  });

  it('blank what looks like a password in a URL that does not parse', () => {
    const shown = withoutPassword('postgres://vmx:s3cret@db:notaport/vmx password=other');
    expect(shown).not.toMatch(/s3cret|other/);
  });
});
