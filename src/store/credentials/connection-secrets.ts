import { RuntimeError, UsageError } from '../../errors.js';
import { CompositeStore } from './composite-store.js';
import type { AsyncCredentialStore } from './sealed-store.js';
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
  source: 'keychain' | 'file' | 'shared' | 'env' | 'none';
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
    const overrides = envOverrides(this.env, connection, fields);
    const stored = coveredByEnv(overrides, fields) ? {} : this.stored(connection.id);
    return combine(fields, overrides, stored);
  }

  /**
   * Replaces the stored secret of a connection with `values` (fields left `undefined` are dropped,
   * so rotating AWS keys without a session token removes the old token).
   * @throws UsageError when no field is given or a field is empty.
   */
  write(connectionId: string, values: Record<string, string | undefined>): void {
    this.open().set(connectionId, JSON.stringify(entryOf(values)));
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
    const envOverrides = setOverrideVars(this.env, connection, fields);
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

  /** The stored entry alone, environment overrides left out (to tell whether a new value differs from it). */
  stored(connectionId: string): Record<string, string> {
    const raw = this.open().get(connectionId);
    return raw === undefined ? {} : parseEntry(raw, connectionId);
  }

  private open(): CredentialStore {
    this.resolved ??= typeof this.store === 'function' ? this.store() : this.store;
    return this.resolved;
  }
}

/**
 * {@link ConnectionSecrets} over a store that answers through promises (the shared store's sealed
 * `connection_secrets`): the same methods, rules and results, each returning a promise, so that it
 * is an `Async<ConnectionSecrets>` (store/backend.ts) and callers can hold either behind that type
 * (`asAsync(new ConnectionSecrets(…))` for the embedded store).
 *
 * Where the sync class takes a connection id, this one also takes the connection itself, so that an
 * error (no secret key, a value that does not open) names the connection rather than its id. A read
 * fully covered by environment overrides never opens the store, so it needs no secret key.
 */
export class AsyncConnectionSecrets {
  private resolved: Promise<AsyncCredentialStore> | undefined;

  /** @param store the store, or a function opening it (called once, on the first use that needs it). */
  constructor(
    private readonly store: AsyncCredentialStore | (() => AsyncCredentialStore | Promise<AsyncCredentialStore>),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async read(connection: ConnectionRef, fields: readonly string[]): Promise<ConnectionSecretValues> {
    const overrides = envOverrides(this.env, connection, fields);
    const stored = coveredByEnv(overrides, fields) ? {} : await this.stored(connection);
    return combine(fields, overrides, stored);
  }

  async write(connection: ConnectionRef | string, values: Record<string, string | undefined>): Promise<void> {
    const entry = entryOf(values);
    const { id, label } = refOf(connection);
    await (await this.open()).set(id, JSON.stringify(entry), label);
  }

  async replace(connection: ConnectionRef | string, values: Record<string, string>): Promise<void> {
    const stored = await this.stored(connection);
    if (sameFields(stored, values)) return;
    if (Object.keys(values).length === 0) await this.remove(refOf(connection).id);
    else await this.write(connection, values);
  }

  storedFields(connection: ConnectionRef | string): Promise<Record<string, string>> {
    return this.stored(connection);
  }

  /** Needs no secret key. */
  async remove(connectionId: string): Promise<boolean> {
    return (await this.open()).delete(connectionId);
  }

  /** Needs no secret key. */
  async has(connectionId: string): Promise<boolean> {
    return (await this.open()).has(connectionId);
  }

  /** Needs no secret key: reads no secret out. */
  async status(connection: ConnectionRef, fields: readonly string[]): Promise<ConnectionSecretStatus> {
    const envOverrides = setOverrideVars(this.env, connection, fields);
    const store = await this.open();
    const source = (await store.has(connection.id)) ? store.kind : envOverrides.length > 0 ? 'env' : 'none';
    return { value: source === 'none' ? null : '********', source, envOverrides };
  }

  /** The stored entry alone, environment overrides left out. */
  async stored(connection: ConnectionRef | string): Promise<Record<string, string>> {
    const { id, label } = refOf(connection);
    const raw = await (await this.open()).get(id, label);
    return raw === undefined ? {} : parseEntry(raw, label);
  }

  private open(): Promise<AsyncCredentialStore> {
    if (!this.resolved) {
      const { store } = this;
      const opening = Promise.resolve().then(() => (typeof store === 'function' ? store() : store));
      // A failed open is not remembered: the next use tries again, as the sync class does.
      opening.catch(() => {
        if (this.resolved === opening) this.resolved = undefined;
      });
      this.resolved = opening;
    }
    return this.resolved;
  }
}

function refOf(connection: ConnectionRef | string): { id: string; label: string } {
  return typeof connection === 'string'
    ? { id: connection, label: connection }
    : { id: connection.id, label: connection.name };
}

function sameFields(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** Field → value of the overrides that are set (an empty variable counts as unset). */
function envOverrides(env: NodeJS.ProcessEnv, connection: ConnectionRef, fields: readonly string[]) {
  const overrides: Record<string, string> = {};
  for (const field of fields) {
    const value = env[connectionEnvVar(connection.name, field)];
    if (value) overrides[field] = value;
  }
  return overrides;
}

/** The names of the override variables that are set for `fields`, for `status`. */
function setOverrideVars(env: NodeJS.ProcessEnv, connection: ConnectionRef, fields: readonly string[]): string[] {
  return fields.map((field) => connectionEnvVar(connection.name, field)).filter((name) => env[name]);
}

/** Whether the overrides supply every field, so that the store need not be opened at all. */
function coveredByEnv(overrides: Record<string, string>, fields: readonly string[]): boolean {
  return fields.every((field) => Object.hasOwn(overrides, field));
}

function combine(
  fields: readonly string[],
  overrides: Record<string, string>,
  stored: Record<string, string>,
): ConnectionSecretValues {
  const values: Record<string, string> = {};
  const fromEnv: string[] = [];
  for (const field of fields) {
    if (Object.hasOwn(overrides, field)) {
      values[field] = overrides[field]!;
      fromEnv.push(field);
    } else if (Object.hasOwn(stored, field)) values[field] = stored[field]!;
  }
  return { values, fromEnv, missing: fields.filter((field) => values[field] === undefined) };
}

/** The entry to store for `values`: undefined fields dropped, empty ones refused. */
function entryOf(values: Record<string, string | undefined>): Record<string, string> {
  const entry: Record<string, string> = {};
  for (const [field, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (value === '') throw new UsageError(`the secret field "${field}" must not be empty`);
    entry[field] = value;
  }
  if (Object.keys(entry).length === 0) throw new UsageError('no secret to store');
  return entry;
}

/** The fields of a stored entry; `label` names the connection in the error. */
function parseEntry(raw: string, label: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined; // the parser's message would quote the secret
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RuntimeError(
      `the stored secret of connection "${label}" is not a JSON object of fields`,
      'set the secret again, e.g. with `vmx connection update`',
    );
  }
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(parsed)) if (typeof value === 'string') fields[field] = value;
  return fields;
}
