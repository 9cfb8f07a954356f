/**
 * The CLI against a real, unlocked Secret Service (KEYCHAIN_IT=1, set up by .ci/keychain.sh): a
 * connection's secret lands in the keychain under service "vmx" and nowhere in the database, and
 * deleting its workspace removes the keychain entries of every connection in it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as NapiKeyring from '@napi-rs/keyring';
import { cli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

const keyring = () => createRequire(import.meta.url)('@napi-rs/keyring') as typeof NapiKeyring;
const vmxAccounts = () =>
  keyring()
    .findCredentials('vmx')
    .map((c) => c.account);
// The child CLI reaches the same session bus as this test; the automatic store choice is under test.
const env = { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '', VMX_CREDENTIAL_STORE: 'auto' };

describe.skipIf(process.env.KEYCHAIN_IT !== '1')('vmx connection with the real keychain', () => {
  it('stores the secret in the keychain only, and a workspace delete removes its entries', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const secret = `sk-keychain-${Date.now()}`;
    await vmx('workspace create kc', { env });
    await vmx('env add dev -w kc', { env });
    await vmx('env add prod -w kc', { env });
    const a = await vmx('connection add a --provider openai --api-key-stdin -w kc -e dev --json', {
      env,
      input: secret,
    });
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    const b = await vmx('connection add b --provider anthropic --api-key-env S -w kc -e prod --json', {
      env: { ...env, S: `${secret}-b` },
    });
    const ids = [a.json().id, b.json().id];
    expect(a.json().secret).toMatchObject({ value: '********', source: 'keychain' });

    const entry = new (keyring().Entry)('vmx', ids[0], { linux: { store: 'secret-service' } });
    expect(JSON.parse(entry.getPassword()!)).toEqual({ apiKey: secret });
    expect(vmxAccounts()).toEqual(expect.arrayContaining(ids));
    expect(readdirSync(home)).not.toContain('secrets.json');
    expect(readFileSync(join(home, 'vmx.db')).includes(Buffer.from(secret))).toBe(false);
    expect((await vmx('doctor --json', { env })).json()).toMatchObject({ credentialStore: 'keychain' });

    expect((await vmx('workspace delete kc --yes', { env })).code).toBe(0);
    expect(vmxAccounts().filter((account) => ids.includes(account))).toEqual([]);
  });
});
