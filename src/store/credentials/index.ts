// The credentials module's public surface; callers import from here, not from the files.
export { SERVICE, type CredentialStore, type CredentialStoreKind } from './types.js';
export { FileStore, SECRETS_FILE } from './file-store.js';
export {
  KeychainStore,
  napiKeyring,
  type KeychainProbe,
  type KeyringBackend,
  type KeyringEntry,
} from './keychain-store.js';
export { classifyKeychainError, type KeychainFailure, type KeychainFailureKind } from './keychain-errors.js';
export { CompositeStore } from './composite-store.js';
export {
  openCredentialStore,
  resolvePreference,
  STORE_ENV,
  type CredentialStorePreference,
  type OpenCredentialStoreOptions,
  type OpenedCredentialStore,
} from './open.js';
export {
  ConnectionSecrets,
  connectionEnvVar,
  type ConnectionRef,
  type ConnectionSecretStatus,
  type ConnectionSecretValues,
} from './connection-secrets.js';
