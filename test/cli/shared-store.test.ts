import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { cli } from '../helpers/run-cli-in-process.js';
import { freshDatabase, POSTGRES_SKIP_REASON, postgresUrl, type FreshDatabase } from '../helpers/postgres.js';
import { tempHome } from '../helpers/temp-home.js';

const url = postgresUrl();
const title = url
  ? 'the CLI on a shared PostgreSQL store'
  : `the CLI on a shared store: skipped, ${POSTGRES_SKIP_REASON}`;

/**
 * Two machines (two data dirs) pointed at one PostgreSQL (VMX_DATABASE_URL) see one configuration:
 * what one creates the other lists, and a provider secret is sealed in the database with the key both
 * are given (VMX_SECRET_KEY), never stored in clear.
 */
describe.skipIf(!url)(title, () => {
  let database: FreshDatabase;
  const secretKey = randomBytes(32).toString('base64');
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await freshDatabase();
    env = { VMX_DATABASE_URL: database.url, VMX_SECRET_KEY: secretKey };
  });
  afterAll(() => database?.drop());

  it('what one machine creates, another lists; a secret is sealed, and refused without the key', async () => {
    const laptop = cli(tempHome());
    const ci = cli(tempHome());
    const on = (run: typeof laptop, args: string, extra: { input?: string; env?: Record<string, string> } = {}) =>
      run(args, { ...extra, env: { ...env, ...extra.env } });

    expect((await on(laptop, 'workspace create acme')).code).toBe(0);
    expect((await on(laptop, 'env add dev -w acme')).code).toBe(0);
    const added = await on(laptop, 'connection add oa --provider openai --api-key-stdin -w acme -e dev --json', {
      input: 'sk-shared-secret-123\n',
    });
    expect([added.code, added.stderr]).toEqual([0, '']);
    const key = (await on(laptop, 'key create ci -w acme -e dev --json')).json();

    const listed = await on(ci, 'key list -w acme -e dev --json');
    expect(listed.json().map((k: { name: string }) => k.name)).toEqual(['ci']);
    expect(listed.json()[0].id).toBe(key.id);
    const doctor = (await on(ci, 'doctor --json')).json();
    expect(doctor).toMatchObject({
      store: 'postgres',
      schemaOk: true,
      credentialStore: 'shared',
      counters: 'postgres',
    });
    expect(doctor.database).not.toContain(secretKey);

    const dump = execFileSync('pg_dump', [database.url], { encoding: 'utf8' });
    expect(dump).toContain('connection_secrets');
    expect(dump).not.toContain('sk-shared-secret-123');

    const withoutKey = await on(ci, 'connection test oa -w acme -e dev', { env: { VMX_SECRET_KEY: '' } });
    expect(withoutKey.code).not.toBe(0);
    expect(withoutKey.stderr.split('\n')[0]).toBe(
      "error: connection 'oa' has a secret in the shared store; set VMX_SECRET_KEY or --secret-key-file to read it",
    );
  });

  it('vmx use --database-url remembers the store for the data dir; --local forgets it', async () => {
    const home = tempHome();
    const run = cli(home);
    const used = await run(['use', '--database-url', database.url, '--json']);
    expect([used.code, used.stderr]).toEqual([0, '']);
    expect(used.json()).toMatchObject({ store: 'postgres', redis: null });
    // No flag, no variable: the remembered store, with what the other machines made.
    expect((await run('workspace list --json')).json().map((w: { name: string }) => w.name)).toContain('acme');
    expect((await run('doctor --json')).json().store).toBe('postgres');
    expect(statSync(join(home, 'config.json')).mode & 0o777).toBe(0o600);

    expect((await run('use --local --json')).json()).toMatchObject({ store: 'sqlite' });
    expect((await run('workspace list --json')).json()).toEqual([]);
  });

  it('a key rotation: the new key first and the old one previous, vmx connection reseal, then the old key goes', async () => {
    const own = await freshDatabase();
    const fake = await startFakeOpenAI();
    try {
      const home = tempHome();
      const [oldKey, newKey, strayKey] = [0, 1, 2].map(() => randomBytes(32).toString('base64'));
      const run = (args: string, keys: Record<string, string>, input?: string) =>
        cli(home)(args, { input, env: { VMX_DATABASE_URL: own.url, VMX_SECRET_KEY_PREVIOUS: '', ...keys } });
      const add = (name: string, key: string) =>
        run(
          `connection add ${name} --provider openai --base-url ${fake.url} --api-key-stdin -w acme -e dev --json`,
          { VMX_SECRET_KEY: key },
          `sk-${name}-secret-456\n`,
        );

      expect((await run('workspace create acme', {})).code).toBe(0);
      expect((await run('env add dev -w acme', {})).code).toBe(0);
      const rot = await add('rot', oldKey!);
      expect([rot.code, rot.stderr]).toEqual([0, '']);

      const rotating = { VMX_SECRET_KEY: newKey!, VMX_SECRET_KEY_PREVIOUS: oldKey! };
      const resealed = await run('connection reseal --json', rotating);
      expect([resealed.code, resealed.stderr]).toEqual([0, '']);
      expect(resealed.json()).toMatchObject({ resealed: [rot.json().id], unchanged: [], failed: [] });
      expect((await run('connection reseal', rotating)).stdout).toMatch(
        /^Re-sealed 0 connection secrets with key [0-9a-f]{8}; 1 already were\n$/,
      );

      // The old key is dropped: the secret opens with the new one alone.
      const shown = await run('connection show rot -w acme -e dev --json', { VMX_SECRET_KEY: newKey! });
      expect([shown.code, shown.json().secret]).toEqual([
        0,
        expect.objectContaining({ value: '********', source: 'shared' }),
      ]);
      const tested = await run('connection test rot -w acme -e dev', { VMX_SECRET_KEY: newKey! });
      expect([tested.code, tested.stderr]).toEqual([0, '']);
      expect(fake.requests.at(-1)!.headers.authorization).toBe('Bearer sk-rot-secret-456');

      // A secret sealed with a key nobody gives any more is named, the rest still re-sealed, exit 1.
      expect((await add('stray', strayKey!)).code).toBe(0);
      const failed = await run('connection reseal', { VMX_SECRET_KEY: newKey! });
      expect(failed.code).toBe(1);
      expect(failed.stderr.split('\n')[0]).toMatch(
        /^error: could not re-seal the secret of connection 'stray': the secret of connection '[0-9a-f-]+' was sealed with key [0-9a-f]{8}, which is neither/,
      );
      expect(execFileSync('pg_dump', [own.url], { encoding: 'utf8' })).not.toMatch(/sk-(rot|stray)-secret/);
    } finally {
      await fake.close();
      await own.drop();
    }
  });

  it('re-sealing is for a shared store: the embedded one says so', async () => {
    const embedded = await cli(tempHome())('connection reseal', {
      env: { VMX_SECRET_KEY: randomBytes(32).toString('base64') },
    });
    expect([embedded.code, embedded.stderr.split('\n')[0]]).toEqual([
      2,
      'error: nothing to re-seal: the embedded store keeps provider secrets in the OS keychain; re-sealing is for a shared store (--database-url)',
    ]);
  });
});
