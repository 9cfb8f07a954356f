import { UsageError } from '../../../errors.js';
import { headerField, headerNames, legacyHeaderValues, type RegisteredProvider } from '../../../providers/registry.js';
import { connectionEnvVar } from '../../../store/credentials/index.js';
import type { CliContext } from '../../context.js';
import { readSecret } from '../../secret-input.js';
import type { ConnectionFlags } from './config-flags.js';
import { mergeHeaderNames, parseHeaders } from './config.js';

type CredentialFlags = Pick<ConnectionFlags, 'apiKeyStdin' | 'apiKeyEnv' | 'awsAccessKeyId' | 'header'>;

/**
 * Everything secret a NEW connection stores: the provider credential from the secret flags (or a
 * hidden prompt on a TTY) and the value of every `--header`. A provider that requires a credential
 * gets one, unless an environment override supplies it. Undefined when there is nothing to store.
 */
export async function collectSecret(
  ctx: CliContext,
  provider: RegisteredProvider,
  connectionName: string,
  flags: CredentialFlags,
  mode: 'add' | 'update',
): Promise<Record<string, string> | undefined> {
  const credential = await collectCredential(ctx, provider, connectionName, flags, mode);
  const headers = headerSecretFields(flags.header);
  const all = { ...credential, ...headers };
  return Object.keys(all).length > 0 ? all : undefined;
}

/**
 * The provider credential fields from the secret flags: `{ apiKey }` or the AWS key pair. Undefined
 * when none was given (update keeps the stored one).
 */
export async function collectCredential(
  ctx: CliContext,
  provider: RegisteredProvider,
  connectionName: string,
  flags: CredentialFlags,
  mode: 'add' | 'update',
): Promise<Record<string, string> | undefined> {
  // A key pair (AWS): the access key id from its flag, the secret key read like any other secret.
  const keyPair = provider.secretFields.includes('accessKeyId');
  if (flags.awsAccessKeyId && !keyPair)
    throw new UsageError(`--aws-access-key-id does not apply to provider ${provider.id}`);
  const override = connectionEnvVar(connectionName, provider.secret.field);
  const mustAsk = mode === 'add' && provider.secret.required && !ctx.deps.env[override];
  const secret = await readSecret(
    ctx,
    flags,
    mustAsk || flags.awsAccessKeyId ? `${provider.secret.label} for ${connectionName}` : undefined,
  );

  if (keyPair) {
    if (Boolean(secret) !== Boolean(flags.awsAccessKeyId)) {
      throw new UsageError(
        'aws-bedrock keys need both --aws-access-key-id and the secret key (--api-key-stdin or --api-key-env)',
      );
    }
    return secret ? { accessKeyId: flags.awsAccessKeyId!, secretAccessKey: secret } : undefined;
  }
  if (secret === undefined && mustAsk) {
    throw new UsageError(
      `missing ${provider.secret.label} for provider ${provider.id}: pass --api-key-stdin or --api-key-env <VAR> (or set ${override})`,
    );
  }
  return secret === undefined ? undefined : { [provider.secret.field]: secret };
}

/** The credential-store fields of the `--header` values (`header:<name>`), the last flag per name winning. */
export function headerSecretFields(flags: string[] | undefined): Record<string, string> {
  const parsed = parseHeaders(flags);
  const fields: Record<string, string> = {};
  for (const name of mergeHeaderNames([], parsed)) {
    const last = parsed.findLast((h) => h.name.toLowerCase() === name.toLowerCase())!;
    fields[headerField(name)] = last.value;
  }
  return fields;
}

/**
 * The credential-store entry of a connection after an update: the new credential if one was given,
 * else the stored one; then, for each header the connection now has (`config`, names only), its new
 * value, else the stored one, else the one an older vmx left in the previous config (which moves
 * into the store this way). Values of removed headers are dropped.
 */
export function nextSecretEntry(input: {
  stored: Record<string, string>;
  credential: Record<string, string> | undefined;
  headerFlags: string[] | undefined;
  previousConfig: Record<string, unknown>;
  config: Record<string, unknown>;
}): Record<string, string> {
  const isHeader = (field: string) => field.startsWith(headerField(''));
  const entry: Record<string, string> = input.credential
    ? { ...input.credential }
    : Object.fromEntries(Object.entries(input.stored).filter(([field]) => !isHeader(field)));
  const given = headerSecretFields(input.headerFlags);
  const legacy = legacyHeaderValues(input.previousConfig) ?? {};
  // Stored and legacy values are looked up case-insensitively: a header re-spelled keeps its value.
  const lookup = (values: Record<string, string>, field: string) =>
    Object.entries(values).find(([key]) => key.toLowerCase() === field.toLowerCase())?.[1];
  for (const name of headerNames(input.config)) {
    const field = headerField(name);
    const value = given[field] ?? lookup(input.stored, field) ?? lookup(legacy, field);
    if (value !== undefined) entry[field] = value;
  }
  return entry;
}
