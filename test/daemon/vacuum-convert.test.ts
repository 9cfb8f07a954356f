import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDaemon } from '../../src/daemon/server.js';
import { migrate, openStore } from '../../src/store/open.js';
import { registerSqlFunctions } from '../../src/store/usage-rollup.js';
import { tempHome } from '../helpers/temp-home.js';

describe('databases made before incremental vacuum', () => {
  it('are converted once when the daemon starts, so pruned room goes back to the file system', async () => {
    const home = tempHome();
    const db = new Database(join(home, 'vmx.db'));
    db.pragma('journal_mode = WAL');
    registerSqlFunctions(db);
    migrate(db);
    db.close();
    const before = openStore(join(home, 'vmx.db'));
    expect(before.space.incremental()).toBe(false);
    before.close();

    const daemon = await startDaemon({
      home,
      host: '127.0.0.1',
      port: 0,
      graceMs: 100,
      stdout: 'none',
      env: { VMX_CREDENTIAL_STORE: 'file' },
    });
    await daemon.close();
    const after = openStore(join(home, 'vmx.db'));
    expect(after.space.incremental()).toBe(true);
    after.close();
  });
});
