import type { SealedSecretTable } from './credentials/sealed-store.js';
import { madeOnFirstUse } from './made-on-first-use.js';
import type { Store } from './open.js';
import type { ApiKeyRepo } from './repos/api-keys.js';
import type { AuditRepo } from './repos/audit.js';
import type { BatchRepo } from './repos/batches.js';
import type { CapacityCounterRepo } from './repos/capacity-counters.js';
import type { ConnectionRepo } from './repos/connections.js';
import type { EnvironmentRepo } from './repos/environments.js';
import type { FileRepo } from './repos/files.js';
import type { MemberRepo } from './repos/members.js';
import type { PoolStateRepo } from './repos/pool-states.js';
import type { PoolRepo } from './repos/pools.js';
import type { ResourceRepo } from './repos/resources.js';
import type { SettingsRepo } from './repos/settings.js';
import type { SpaceRepo } from './repos/space.js';
import type { UsageRepo } from './repos/usage.js';
import type { WorkspaceRepo } from './repos/workspaces.js';

/**
 * A repository as every backend offers it: the methods of the SQLite repository (the reference for
 * names, arguments, results and errors), each answering through a promise. PostgreSQL answers over
 * the network; SQLite answers at once, wrapped.
 */
export type Async<R> = {
  [K in keyof R]: R[K] extends (...args: infer A) => infer T ? (...args: A) => Promise<Awaited<T>> : never;
};

/** The repositories of one store, as a transaction or the store itself sees them. */
export interface Repositories {
  readonly workspaces: Async<WorkspaceRepo>;
  readonly members: Async<MemberRepo>;
  readonly environments: Async<EnvironmentRepo>;
  readonly connections: Async<ConnectionRepo>;
  readonly resources: Async<ResourceRepo>;
  readonly apiKeys: Async<ApiKeyRepo>;
  readonly pools: Async<PoolRepo>;
  /** Each connection's prioritization state, as the daemon saves it (not configuration). */
  readonly poolStates: Async<PoolStateRepo>;
  /** Batch inputs, outputs and errors (JSONL). */
  readonly files: Async<FileRepo>;
  /** Batches and their items, claimed and run by the daemons' batch runners (not configuration). */
  readonly batches: Async<BatchRepo>;
  readonly usage: Async<UsageRepo>;
  readonly audit: Async<AuditRepo>;
  readonly capacityCounters: Async<CapacityCounterRepo>;
  readonly settings: Async<SettingsRepo>;
  readonly space: Async<SpaceRepo>;
  /**
   * A shared store's sealed provider secrets (`connection_secrets`), on the same connection as the
   * other repositories — inside a transaction, part of it. The embedded store keeps secrets in the
   * OS keychain instead and has none.
   */
  readonly sealedSecrets?: SealedSecretTable;
}

export type BackendKind = 'sqlite' | 'postgres';

/**
 * The configuration, usage and audit store the CLI and the daemon code against (DESIGN.md
 * "Scale-out"): the embedded SQLite file by default, a shared PostgreSQL database when one is given.
 */
export interface StoreBackend extends Repositories {
  readonly kind: BackendKind;
  /** Where the data is, for `vmx doctor` and errors: a file path, or a URL without its password. */
  readonly location: string;
  /**
   * Runs `fn` in one transaction that holds the write lock from its first statement (SQLite: BEGIN
   * IMMEDIATE; PostgreSQL: a transaction on one pooled client), committing when it resolves and
   * rolling back when it throws. `fn` must use the repositories it is given, not the store's.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** Each method of `repo` answers through a promise; a throw becomes a rejection. */
export function asAsync<R extends object>(repo: R): Async<R> {
  return new Proxy(repo, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  }) as unknown as Async<R>;
}

/** The repositories of an open SQLite store, answering through promises (each made on first use, as the store's). */
function sqliteRepositories(store: Store): Repositories {
  return madeOnFirstUse<Repositories>({
    workspaces: () => asAsync(store.workspaces),
    members: () => asAsync(store.members),
    environments: () => asAsync(store.environments),
    connections: () => asAsync(store.connections),
    resources: () => asAsync(store.resources),
    apiKeys: () => asAsync(store.apiKeys),
    pools: () => asAsync(store.pools),
    poolStates: () => asAsync(store.poolStates),
    files: () => asAsync(store.files),
    batches: () => asAsync(store.batches),
    usage: () => asAsync(store.usage),
    audit: () => asAsync(store.audit),
    capacityCounters: () => asAsync(store.capacityCounters),
    settings: () => asAsync(store.settings),
    space: () => asAsync(store.space),
  });
}

/**
 * The embedded SQLite store as a {@link StoreBackend}. One connection, used by one command or one
 * daemon: a transaction is BEGIN IMMEDIATE … COMMIT around `fn`, and nothing else may use the
 * connection until it settles (the CLI runs one command at a time; the daemon writes on its writer
 * thread, not here).
 */
export function sqliteBackend(store: Store): StoreBackend & { readonly sqlite: Store } {
  const repositories = sqliteRepositories(store);
  // The backend reads its repositories through the prototype: copying them would make every one.
  const backend: Omit<StoreBackend, keyof Repositories> & { readonly sqlite: Store } = {
    kind: 'sqlite',
    location: store.path,
    sqlite: store,
    async transaction(fn) {
      store.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(repositories);
        store.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (store.db.inTransaction) store.db.exec('ROLLBACK');
        throw error;
      }
    },
    schemaVersion: async () => store.schemaVersion(),
    close: async () => store.close(),
  };
  return Object.assign(Object.create(repositories) as Repositories, backend);
}
