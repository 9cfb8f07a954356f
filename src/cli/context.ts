import { dataPaths, ensureHome, resolveHome, resolveUser, tightenHome, type DataPaths } from '../config.js';
import type { ConnectionSecrets, KeyringBackend } from '../store/credentials/index.js';
import type { Async, Repositories, StoreBackend } from '../store/backend.js';
import type { SecretKeyring } from '../store/credentials/sealed-keys.js';
import { readSettings, writeSettings, type CliSettings } from './current-context.js';
import { parseFieldList } from './io/json-fields.js';
import { firstNotice } from './io/notice-once.js';
import { Output, type Sink } from './io/output.js';
import { pagerCommand } from './io/pager.js';
import { inquirerPrompter, type Prompter } from './io/prompter.js';

/** What the CLI needs from the outside world; tests replace any of it. */
export interface CliDeps {
  stdout: Sink;
  stderr: Sink;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  prompter: Prompter;
  /** Prompts are allowed only when stdin and stdout are terminals. */
  canPrompt: boolean;
  /** The OS keychain binding; unset means `@napi-rs/keyring`. In-process tests pass a fake so they never reach a real keychain. */
  keyring?: KeyringBackend;
}

export function processDeps(): CliDeps {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    prompter: inquirerPrompter(),
    canPrompt: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  };
}

/** The global flags of CLI.md, as commander hands them over. */
export interface GlobalFlags {
  /** `--json`, or the fields `--json id,name` names. */
  json?: boolean | string;
  jq?: string;
  /** False with `--no-pager`. */
  pager?: boolean;
  home?: string;
  as?: string;
  workspace?: string;
  env?: string;
  yes?: boolean;
  color?: boolean;
  databaseUrl?: string;
  secretKeyFile?: string;
}

/** Everything a verb's run() gets: output, prompts, identity, paths and the store (opened on first use). */
export interface CliContext {
  readonly out: Output;
  readonly prompter: Prompter;
  readonly canPrompt: boolean;
  readonly user: string;
  readonly paths: DataPaths;
  readonly flags: GlobalFlags;
  readonly deps: CliDeps;
  /**
   * The shared store's URLs, if one is named: --database-url, else VMX_DATABASE_URL / VMX_REDIS_URL,
   * else what `vmx use --database-url` remembered for this data dir.
   */
  storeUrls(): { databaseUrl?: string; redisUrl?: string };
  /** The store (a shared one if named, else the SQLite file in the data dir), opened on first use. */
  store(): Promise<StoreBackend>;
  /**
   * Connection secrets (keychain, else the announced file fallback, with env overrides). The
   * credential store itself is opened only when a secret is actually read or written.
   */
  secrets(tx?: Repositories): Promise<Async<ConnectionSecrets>>;
  /** The keys sealing a shared store's secrets (--secret-key-file, VMX_SECRET_KEY…), loaded once; none given is undefined. */
  secretKeys(): Promise<SecretKeyring | undefined>;
  settings(): CliSettings;
  saveSettings(settings: CliSettings): void;
  /** Closes what was opened; awaited once by main after the command. */
  dispose(): Promise<void>;
}

export function createContext(flags: GlobalFlags, deps: CliDeps): CliContext {
  const paths = dataPaths(resolveHome(flags.home, deps.env));
  // Every verb tightens an existing data dir (0700, files 0600), including those that only read the
  // pidfile or the log; the store and the credential file create it when they need it.
  tightenHome(paths.home);
  // `--json=` (see program.ts) is --json without fields.
  const json = (flags.json !== undefined && flags.json !== false) || flags.jq !== undefined;
  const color = !json && flags.color !== false && !deps.env.NO_COLOR && Boolean(deps.stdout.isTTY);
  // Read when a command first needs it (opening the store, a secret), once: most commands never do.
  let urls: ReturnType<CliContext['storeUrls']> | undefined;
  const storeUrls = () => {
    if (urls) return urls;
    const remembered = readSettings(paths.config).store;
    return (urls = {
      databaseUrl: flags.databaseUrl || deps.env.VMX_DATABASE_URL || remembered?.databaseUrl || undefined,
      redisUrl: deps.env.VMX_REDIS_URL || remembered?.redisUrl || undefined,
    });
  };
  let opened: Promise<StoreBackend> | undefined;
  let secrets: Async<ConnectionSecrets> | undefined;
  let sharedKeys: Promise<SecretKeyring | undefined> | undefined;
  const out = new Output(deps.stdout, deps.stderr, json, color, {
    fields: typeof flags.json === 'string' && flags.json !== '' ? parseFieldList(flags.json) : undefined,
    jq: flags.jq,
    pager: json ? undefined : pagerCommand(deps.env, flags.pager !== false),
    env: deps.env,
  });
  return {
    out,
    prompter: deps.prompter,
    canPrompt: deps.canPrompt,
    user: resolveUser(flags.as, deps.env),
    paths,
    flags,
    deps,
    storeUrls,
    store() {
      const { databaseUrl } = storeUrls();
      opened ??= databaseUrl ? openShared(databaseUrl) : openEmbedded(paths);
      return opened;
    },
    secretKeys() {
      sharedKeys ??= loadKeys(flags.secretKeyFile, deps.env);
      return sharedKeys;
    },
    async secrets(tx) {
      if (storeUrls().databaseUrl) {
        return sharedSecrets(tx ?? (await this.store()), await this.secretKeys(), deps.env);
      }
      if (!secrets) {
        const [{ ConnectionSecrets, openCredentialStore }, { asAsync }] = await Promise.all([
          import('../store/credentials/index.js'),
          import('../store/backend.js'),
        ]);
        secrets = asAsync(
          new ConnectionSecrets(() => {
            ensureHome(paths.home);
            const { store, warning } = openCredentialStore({ home: paths.home, env: deps.env, keyring: deps.keyring });
            // Said once per data dir: repeated on every secret-touching command it was noise.
            if (warning && firstNotice(paths.home, 'keychain')) {
              out.warn(`${warning}; shown once for this data dir (VMX_CREDENTIAL_STORE=file chooses the file)`);
            }
            return store;
          }, deps.env),
        );
      }
      return secrets;
    },
    settings: () => readSettings(paths.config),
    saveSettings(settings) {
      ensureHome(paths.home);
      writeSettings(paths.config, settings);
    },
    async dispose() {
      const closing = opened;
      opened = undefined;
      await (await closing?.catch(() => undefined))?.close();
    },
  };
}

/** The embedded SQLite store in the data dir, loaded on demand so that store-less commands skip the native module. */
async function openEmbedded(paths: DataPaths): Promise<StoreBackend> {
  ensureHome(paths.home);
  const [{ openStore }, { sqliteBackend }] = await Promise.all([
    import('../store/open.js'),
    import('../store/backend.js'),
  ]);
  return sqliteBackend(openStore(paths.db));
}

/** The shared PostgreSQL store (`--database-url`, VMX_DATABASE_URL). */
async function openShared(url: string): Promise<StoreBackend> {
  const { openPostgresBackend } = await import('../store/postgres/open.js');
  return openPostgresBackend(url, { maxConnections: 2 });
}

/** The key sealing a shared store's secrets (`--secret-key-file`, VMX_SECRET_KEY); none is not an error until a secret is read. */
async function loadKeys(keyFile: string | undefined, env: NodeJS.ProcessEnv): Promise<SecretKeyring | undefined> {
  const { loadSecretKeys } = await import('../store/credentials/sealed-keys.js');
  return loadSecretKeys({ keyFile, env });
}

/**
 * Provider secrets sealed in the shared store's `connection_secrets`, through `repositories` — a
 * transaction's, when the secret is written with its connection.
 */
async function sharedSecrets(
  repositories: Repositories,
  keys: SecretKeyring | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Async<ConnectionSecrets>> {
  const [{ AsyncConnectionSecrets }, { SealedCredentialStore }] = await Promise.all([
    import('../store/credentials/connection-secrets.js'),
    import('../store/credentials/sealed-store.js'),
  ]);
  const table = repositories.sealedSecrets;
  if (!table) throw new Error('a shared store without its connection_secrets table');
  return new AsyncConnectionSecrets(new SealedCredentialStore(table, keys), env);
}
