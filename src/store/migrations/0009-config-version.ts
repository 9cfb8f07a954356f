import type { Database } from 'better-sqlite3';

/** Tables whose every change is a configuration change. */
const CONFIG_TABLES = ['workspaces', 'members', 'environments', 'connections', 'resources', 'api_keys', 'pools'];

/**
 * A configuration version, bumped by triggers on every change to the configuration tables, as the
 * shared store's is. A daemon polls `PRAGMA data_version`, which also moves with each batch its own
 * writer thread commits (usage, audit, counters); it reloads the configuration only when this
 * version moved too, instead of several times a second under traffic.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE config_version (
      id      INTEGER PRIMARY KEY CHECK (id = 1),
      version INTEGER NOT NULL
    );
    INSERT INTO config_version (id, version) VALUES (1, 0);
  `);
  for (const table of CONFIG_TABLES) {
    for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
      db.exec(`
        CREATE TRIGGER ${table}_config_${event.toLowerCase()} AFTER ${event} ON ${table}
        BEGIN UPDATE config_version SET version = version + 1; END;
      `);
    }
  }
}
