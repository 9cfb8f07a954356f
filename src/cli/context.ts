import { dataPaths, ensureHome, resolveHome, resolveUser, tightenHome, type DataPaths } from '../config.js';
import type { ConnectionSecrets, KeyringBackend } from '../store/credentials/index.js';
import type { Async, StoreBackend } from '../store/backend.js';
import { readSettings, writeSettings, type CliSettings } from './current-context.js';
import { Output, type Sink } from './io/output.js';
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
  json?: boolean;
  home?: string;
  as?: string;
  workspace?: string;
  env?: string;
  yes?: boolean;
  color?: boolean;
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
  /** The store (the SQLite file in the data dir), opened on first use. */
  store(): Promise<StoreBackend>;
  /**
   * Connection secrets (keychain, else the announced file fallback, with env overrides). The
   * credential store itself is opened only when a secret is actually read or written.
   */
  secrets(): Promise<Async<ConnectionSecrets>>;
  settings(): CliSettings;
  saveSettings(settings: CliSettings): void;
  /** Closes what was opened; called once by main after the command. */
  dispose(): void;
}

export function createContext(flags: GlobalFlags, deps: CliDeps): CliContext {
  const paths = dataPaths(resolveHome(flags.home, deps.env));
  // Every verb tightens an existing data dir (0700, files 0600), including those that only read the
  // pidfile or the log; the store and the credential file create it when they need it.
  tightenHome(paths.home);
  const json = Boolean(flags.json);
  const color = !json && flags.color !== false && !deps.env.NO_COLOR && Boolean(deps.stdout.isTTY);
  let opened: StoreBackend | undefined;
  let secrets: Async<ConnectionSecrets> | undefined;
  const out = new Output(deps.stdout, deps.stderr, json, color);
  return {
    out,
    prompter: deps.prompter,
    canPrompt: deps.canPrompt,
    user: resolveUser(flags.as, deps.env),
    paths,
    flags,
    deps,
    async store() {
      if (!opened) {
        ensureHome(paths.home);
        // Loaded on demand so that --help and other store-less commands skip the native module.
        const [{ openStore }, { sqliteBackend }] = await Promise.all([
          import('../store/open.js'),
          import('../store/backend.js'),
        ]);
        opened = sqliteBackend(openStore(paths.db));
      }
      return opened;
    },
    async secrets() {
      if (!secrets) {
        const [{ ConnectionSecrets, openCredentialStore }, { asAsync }] = await Promise.all([
          import('../store/credentials/index.js'),
          import('../store/backend.js'),
        ]);
        secrets = asAsync(
          new ConnectionSecrets(() => {
            ensureHome(paths.home);
            const { store, warning } = openCredentialStore({ home: paths.home, env: deps.env, keyring: deps.keyring });
            if (warning) out.warn(warning);
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
    dispose() {
      void opened?.close();
      opened = undefined;
    },
  };
}
