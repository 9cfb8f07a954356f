import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../src/gateway/key-material.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';

describe('vmx key', () => {
  it('prints a new key once, stores only its hash, and lists it masked', async () => {
    const home = tempHome();
    const vmx = cli(home);
    await vmx('workspace create acme');
    await vmx('env add dev -w acme');
    await vmx('use acme/dev');

    const created = await vmx('key create laptop --limit 60r/m --expires 30d --json');
    expect(created.code).toBe(0);
    const body = created.json();
    expect(body.key).toMatch(/^vmx_[0-9A-Za-z]{43}$/);
    expect(created.stdout.split(body.key).length - 1).toBe(1);
    expect(body).toMatchObject({ name: 'laptop', status: 'enabled', resources: null, limits: ['60r/m'] });
    expect(body.maskedKey).toBe(`vmx_${body.key.slice(4, 8)}${'*'.repeat(16)}${body.key.slice(-4)}`);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const db = new Database(join(home, 'vmx.db'), { readonly: true });
    const row = db.prepare('SELECT key_hash FROM api_keys').get() as { key_hash: string };
    db.close();
    expect(row.key_hash).toBe(hashApiKey(body.key));

    for (const args of ['key list --json', 'key list', 'key show laptop --json', 'key show laptop']) {
      const out = await vmx(args);
      expect(out.code).toBe(0);
      expect(out.stdout).not.toContain(body.key);
      expect(out.stdout).toContain(body.maskedKey);
    }

    const human = await vmx('key create second');
    expect(human.stdout).toMatch(/vmx_[0-9A-Za-z]{43}/);
    expect(human.stdout).toContain('cannot show it again');
  });

  it('disables, enables and revokes', async () => {
    const vmx = cli(tempHome());
    await vmx('workspace create acme');
    await vmx('env add dev -w acme');
    await vmx('use acme/dev');
    await vmx('key create ci');

    expect((await vmx('key disable ci --json')).json()).toMatchObject({ enabled: false, status: 'disabled' });
    expect((await vmx('key list --json')).json()).toEqual([
      expect.objectContaining({ name: 'ci', status: 'disabled' }),
    ]);
    expect((await vmx('key enable ci --json')).json()).toMatchObject({ enabled: true, status: 'enabled' });

    expect((await vmx('key revoke ci')).code).toBe(2);
    const revoked = await vmx('key revoke ci --yes --json');
    expect(revoked.json()).toMatchObject({ name: 'ci', revoked: true });
    expect((await vmx('key list --json')).json()).toEqual([]);
    expect((await vmx('key show ci')).code).toBe(3);
  });

  it('refuses bad input with exit 2 and unknown resources with exit 3', async () => {
    const vmx = cli(tempHome());
    await vmx('workspace create acme');
    await vmx('env add dev -w acme');
    await vmx('use acme/dev');
    expect((await vmx('key create k --limit 10x/m')).code).toBe(2);
    expect((await vmx('key create k --expires tomorrow')).code).toBe(2);
    expect((await vmx('key create k --expires 2001-01-01')).code).toBe(2);
    const unknown = await vmx('key create k --resource nope');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("resource 'nope' not found");
    await vmx('key create k');
    expect((await vmx('key create k')).code).toBe(5);
  });
});
