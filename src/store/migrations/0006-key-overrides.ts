import type { Database } from 'better-sqlite3';

/**
 * Keys made with `vmx key create --allow-overrides` may lift a resource's limits and drop its block
 * rules with `vmx.resourceConfigOverrides`; every other key's overrides are policy-safe.
 */
export function up(db: Database): void {
  db.exec('ALTER TABLE api_keys ADD COLUMN allow_overrides INTEGER NOT NULL DEFAULT 0');
}
