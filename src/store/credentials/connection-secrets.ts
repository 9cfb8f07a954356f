import { RuntimeError, UsageError } from '../../errors.js';
import { CompositeStore } from './composite-store.js';
import type { CredentialStore } from './types.js';

/** The two names of a connection that secrets care about: the id keys the store, the name the env. */
export interface ConnectionRef {
  id: string;
  name: string;
}

/** The result of {@link ConnectionSecrets.read}. */
export interface ConnectionSecretValues {
  /** Field → secret for every requested field that has a value (env or store). */
  values: Record<string, string>;
  /** The fields whose value came from an environment override. */
  fromEnv: string[];
  /** The requested fields with no value anywhere. */
  missing: string[];
}

/** Where a connection's secret comes from, as `connection show` reports it: never the value. */
export interface ConnectionSecretStatus {
  /** `********` when a secret is available (stored or from the environment), null otherwise. */
  value: '********' | null;
  /** The store holding the entry, else `env` when only overrides supply it, else `none`. */
  source: 'keychain' | 'file' | 'env' | 'none';
  /** The override variables that are set for the given fields. */
  envOverrides: string[];
}

/**
 * The environment override of one secret field: `VMX_<CONNECTION>_<FIELD>`, the connection name
 * upper-cased with every non-alphanumeric as `_`, the field in SCREAMING_SNAKE.
 * `("oa", "apiKey")` → `VMX_OA_API_KEY`; `("my-bedrock", "secretAccessKey")` → `VMX_MY_BEDROCK_SECRET_ACCESS_KEY`.
 */
export function connectionEnvVar(connectionName: string, field: string): string {
  const name = connectionName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const snake = field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '_');
  return `VMX_${name}_${snake}`;
}

/**
 * A connection's secret fields (`{ apiKey }`, `{ accessKeyId, secretAccessKey, sessionToken? }`)
 * kept as ONE credential-store entry per connection (a JSON object), so a rotation replaces them
 * together and the keychain shows one item per connection.
 *
 * Environment overrides (`VMX_<CONNECTION>_<FIELD>`, see {@link connectionEnvVar}) win field by
 * field on read and are never written anywhere. An empty variable counts as unset.
 */
export class ConnectionSecrets {
  private resolved: CredentialStore | undefined;

  /**
   * @param store the store, or a function opening it: with a function, a read fully covered by
   *   environment overrides never opens (or probes) the keychain, which is what CI wants.
   */
  constructor(
    private readonly store: CredentialStore | (() => CredentialStore),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The secret fields of `connection`, env overrides first, then the stored entry. */
  read(connection: ConnectionRef, fields: readonly string[]): ConnectionSecretValues {
    const values: Record<string, string> = {};
    const fromEnv: string[] = [];
    let stored: Record<string, string> | undefined;
    for (const field of fields) {
      const override = this.env[connectionEnvVar(connection.name, field)];
      if (override) {
        values[field] = override;
        fromEnv.push(field);
        continue;
      }
      stored ??= this.stored(connection.id);
      const value = stored[field];
      if (value !== undefined) values[field] = value;
    }
    return { values, fromEnv, missing: fields.filter((field) => values[field] === undefined) };
  }

  /**
   * Replaces the stored secret of a connection with `values` (fields left `undefined` are dropped,
   * so rotating AWS keys without a session token removes the old token).
   * @throws UsageError when no field is given or a field is empty.
   */
  write(connectionId: string, values: Record<string, string | undefined>): void {
    const entry: Record<string, string> = {};
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (value === '') throw new UsageError(`the secret field "${field}" must not be empty`);
      entry[field] = value;
    }
    if (Object.keys(entry).length === 0) throw new UsageError('no secret to store');
    this.open().set(connectionId, JSON.stringify(entry));
  }

  /**
   * Makes the stored entry exactly `values`: written when it differs from what is stored (nothing
   * is written, and the keychain not touched beyond the read, when it is the same), removed when
   * `values` is empty. For edits that keep some fields and change others (`connection update`).
   */
  replace(connectionId: string, values: Record<string, string>): void {
    const stored = this.storedFields(connectionId);
    if (sameFields(stored, values)) return;
    if (Object.keys(values).length === 0) this.remove(connectionId);
    else this.write(connectionId, values);
  }

  /** The fields stored for the connection, without environment overrides; `{}` when there is no entry. */
  storedFields(connectionId: string): Record<string, string> {
    return this.stored(connectionId);
  }

  /** Removes the connection's stored secret from every store; `true` if there was one. */
  remove(connectionId: string): boolean {
    return this.open().delete(connectionId);
  }

  /** Whether a secret is stored for the connection (environment overrides are not counted). */
  has(connectionId: string): boolean {
    return this.open().get(connectionId) !== undefined;
  }

  /** Where the secret of `connection` lives, for `connection show`; reads no secret out. */
  status(connection: ConnectionRef, fields: readonly string[]): ConnectionSecretStatus {
    const envOverrides = fields
      .map((field) => connectionEnvVar(connection.name, field))
      .filter((name) => this.env[name]);
    const store = this.open();
    const holder =
      store instanceof CompositeStore
        ? store.locate(connection.id)
        : store.get(connection.id) !== undefined
          ? store
          : undefined;
    const source = holder?.kind ?? (envOverrides.length > 0 ? 'env' : 'none');
    return { value: source === 'none' ? null : '********', source, envOverrides };
  }

  private stored(connectionId: string): Record<string, string> {
    const raw = this.open().get(connectionId);
    if (raw === undefined) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined; // the parser's message would quote the secret
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new RuntimeError(
        `the stored secret of connection "${connectionId}" is not a JSON object of fields`,
        'set the secret again, e.g. with `vmx connection update`',
      );
    }
    const fields: Record<string, string> = {};
    for (const [field, value] of Object.entries(parsed)) if (typeof value === 'string') fields[field] = value;
    return fields;
  }

  private open(): CredentialStore {
    this.resolved ??= typeof this.store === 'function' ? this.store() : this.store;
    return this.resolved;
  }
}

function sameFields(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
