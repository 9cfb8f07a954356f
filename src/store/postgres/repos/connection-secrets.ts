import type { SealedSecretRow, SealedSecretTable } from '../../credentials/sealed-store.js';
import type { Queryable } from '../queryable.js';

/**
 * `connection_secrets`: one sealed value per connection (credentials/sealed.ts). It only ever holds
 * sealed text; opening and sealing are the sealed credential store's. Like the keychain entries of the
 * embedded store, a row is removed by whoever removes its connection.
 */
export function pgSecretTable(q: Queryable): SealedSecretTable {
  const now = () => new Date().toISOString();
  return {
    async get(connectionId) {
      const { rows } = await q.query<{ sealed: string }>(
        'SELECT sealed FROM connection_secrets WHERE connection_id = $1',
        [connectionId],
      );
      return rows[0]?.sealed;
    },
    async put(connectionId, sealed) {
      await q.query(
        `INSERT INTO connection_secrets (connection_id, sealed, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (connection_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
        [connectionId, sealed, now()],
      );
    },
    async remove(connectionId) {
      const result = await q.query('DELETE FROM connection_secrets WHERE connection_id = $1', [connectionId]);
      return result.rowCount === 1;
    },
    async all(): Promise<SealedSecretRow[]> {
      const { rows } = await q.query<{ connection_id: string; sealed: string }>(
        'SELECT connection_id, sealed FROM connection_secrets ORDER BY connection_id',
      );
      return rows.map((row) => ({ connectionId: row.connection_id, sealed: row.sealed }));
    },
    async swap(connectionId, expected, sealed) {
      const result = await q.query(
        'UPDATE connection_secrets SET sealed = $3, updated_at = $4 WHERE connection_id = $1 AND sealed = $2',
        [connectionId, expected, sealed, now()],
      );
      return result.rowCount === 1;
    },
  };
}
