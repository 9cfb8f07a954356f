import { RuntimeError } from '../../errors.js';
import { openSealed, seal, sealedKeyId } from './sealed.js';
import type { SecretKeyring } from './sealed-keys.js';
import { SECRET_KEY_ENV } from './sealed-keys.js';

/** One row of `connection_secrets`. */
export interface SealedSecretRow {
  connectionId: string;
  sealed: string;
}

/**
 * The `connection_secrets` table as the sealed store needs it; the PostgreSQL repository implements
 * it (`updated_at` is the repository's business). It only ever sees sealed text.
 */
export interface SealedSecretTable {
  /** The sealed value of the connection, or `undefined` when there is no row. */
  get(connectionId: string): Promise<string | undefined>;
  /** Inserts or replaces the row (`INSERT … ON CONFLICT (connection_id) DO UPDATE`). */
  put(connectionId: string, sealed: string): Promise<void>;
  /** Deletes the row; `true` if there was one. */
  remove(connectionId: string): Promise<boolean>;
  /** Every row, for a re-seal after a key rotation. */
  all(): Promise<SealedSecretRow[]>;
  /**
   * Replaces the row only while it still holds `expected` (`UPDATE … WHERE connection_id = $1 AND
   * sealed = $2`); `false` when it changed or went away meanwhile. A re-seal uses it so that it never
   * puts back an old secret over one written while it ran.
   */
  swap(connectionId: string, expected: string, sealed: string): Promise<boolean>;
}

/**
 * A credential store that answers through promises: the shared store's. Same contract as
 * `CredentialStore` (account = connection id, one opaque string each, messages without secrets),
 * plus `has`, which answers without a key.
 */
export interface AsyncCredentialStore {
  readonly kind: 'shared';
  /** One human line for `vmx doctor`. */
  readonly description: string;
  /** @param label names the connection in errors (its name when known); defaults to `account`. */
  get(account: string, label?: string): Promise<string | undefined>;
  set(account: string, secret: string, label?: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  /** Whether a secret is stored, without opening it (so without a key). */
  has(account: string): Promise<boolean>;
}

const KEY_HINT = 'every daemon and CLI of this store needs the same key; make one with `openssl rand -base64 32`';

/**
 * Provider secrets in the shared database, sealed with AES-256-GCM (see `sealed.ts`). Writes always
 * seal with the current key, so a value sealed with a previous key moves to the current one the
 * next time it is written; {@link resealAll} moves them all at once.
 *
 * Without keys, connections with no stored secret still read as "none", a secret can be removed and
 * `has` answers; opening or storing a secret is refused with one line naming the connection.
 */
export class SealedCredentialStore implements AsyncCredentialStore {
  readonly kind = 'shared' as const;
  readonly description: string;

  constructor(
    private readonly table: SealedSecretTable,
    private readonly keys: SecretKeyring | undefined,
    where = 'the shared store',
  ) {
    this.description = keys
      ? `${where}, sealed with AES-256-GCM, key ${keys.current.id} from ${keys.source}` +
        (keys.previous.length > 0 ? ` (previous: ${keys.previous.map((key) => key.id).join(', ')})` : '')
      : `${where}, no secret key given (${SECRET_KEY_ENV} or --secret-key-file)`;
  }

  async get(account: string, label = account): Promise<string | undefined> {
    const sealed = await this.table.get(account);
    if (sealed === undefined) return undefined;
    if (!this.keys) {
      throw new RuntimeError(
        `connection '${label}' has a secret in the shared store; set ${SECRET_KEY_ENV} or --secret-key-file to read it`,
        KEY_HINT,
      );
    }
    return openSealed(this.keys, account, sealed, label).plaintext;
  }

  async set(account: string, secret: string, label = account): Promise<void> {
    if (!this.keys) {
      throw new RuntimeError(
        `the secret of connection '${label}' cannot go to the shared store unsealed; set ${SECRET_KEY_ENV} or --secret-key-file`,
        KEY_HINT,
      );
    }
    await this.table.put(account, seal(this.keys.current, account, secret));
  }

  delete(account: string): Promise<boolean> {
    return this.table.remove(account);
  }

  async has(account: string): Promise<boolean> {
    return (await this.table.get(account)) !== undefined;
  }
}

/** What {@link resealAll} did; connection ids only, never a secret. */
export interface ResealReport {
  /** Rows now sealed with the current key that were not before. */
  resealed: string[];
  /** Rows that already were (including those another writer moved meanwhile). */
  unchanged: string[];
  /** Rows that could not be opened with the given keys, and why. */
  failed: { connectionId: string; reason: string }[];
}

/** How often a row that keeps changing under the re-seal is retried before it is reported. */
const SWAP_ATTEMPTS = 3;

/**
 * Seals every row of `table` with the current key of `keys` (step 3 of a key rotation: every daemon
 * and CLI already has the new key as current and the old one as previous). Rows already sealed with
 * the current key are not touched; a row that cannot be opened is reported in `failed` and left as
 * it is, and the others are still re-sealed. Each row is replaced only if nobody wrote it meanwhile,
 * so it is safe while daemons run. Running it twice is harmless.
 */
export async function resealAll(table: SealedSecretTable, keys: SecretKeyring): Promise<ResealReport> {
  const report: ResealReport = { resealed: [], unchanged: [], failed: [] };
  for (const row of await table.all()) {
    let outcome: Awaited<ReturnType<typeof resealRow>>;
    try {
      outcome = await resealRow(table, keys, row);
    } catch (error) {
      // Only a value that does not open is reported and skipped; a failing table stops the re-seal.
      if (!(error instanceof RuntimeError)) throw error;
      report.failed.push({ connectionId: row.connectionId, reason: error.message });
      continue;
    }
    if (outcome === 'resealed') report.resealed.push(row.connectionId);
    else if (outcome === 'unchanged') report.unchanged.push(row.connectionId);
    else if (outcome === 'busy') {
      report.failed.push({ connectionId: row.connectionId, reason: 'the row kept changing while it was re-sealed' });
    }
  }
  return report;
}

/** Re-seals one row, re-reading it when another writer got there first. */
async function resealRow(
  table: SealedSecretTable,
  keys: SecretKeyring,
  row: SealedSecretRow,
): Promise<'resealed' | 'unchanged' | 'gone' | 'busy'> {
  let sealed: string | undefined = row.sealed;
  for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
    if (sealed === undefined) return 'gone';
    if (sealedKeyId(sealed) === keys.current.id) return 'unchanged';
    const { plaintext } = openSealed(keys, row.connectionId, sealed);
    if (await table.swap(row.connectionId, sealed, seal(keys.current, row.connectionId, plaintext))) return 'resealed';
    sealed = await table.get(row.connectionId);
  }
  return 'busy';
}
