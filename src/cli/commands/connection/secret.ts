import { UsageError } from '../../../errors.js';
import type { ProviderInfo } from '../../../providers/registry.js';
import { connectionEnvVar } from '../../../store/credentials/index.js';
import type { CliContext } from '../../context.js';
import { readSecret, type SecretFlags } from '../../secret-input.js';

/**
 * The secret fields to store for a connection, from the secret flags (or a hidden prompt on a TTY).
 * On add, a provider that requires a secret gets one, unless an environment override supplies it.
 * Returns undefined when there is nothing to store (update keeps the stored secret).
 */
export async function collectSecret(
  ctx: CliContext,
  provider: ProviderInfo,
  connectionName: string,
  flags: SecretFlags & { awsAccessKeyId?: string },
  mode: 'add' | 'update',
): Promise<Record<string, string> | undefined> {
  const bedrock = provider.id === 'aws-bedrock';
  if (flags.awsAccessKeyId && !bedrock) throw new UsageError(`--aws-access-key-id does not apply to provider ${provider.id}`);
  const override = connectionEnvVar(connectionName, provider.secret.field);
  const mustAsk = mode === 'add' && provider.secret.required && !ctx.deps.env[override];
  const secret = await readSecret(ctx, flags, mustAsk || flags.awsAccessKeyId ? `${provider.secret.label} for ${connectionName}` : undefined);

  if (bedrock) {
    if (Boolean(secret) !== Boolean(flags.awsAccessKeyId)) {
      throw new UsageError('aws-bedrock keys need both --aws-access-key-id and the secret key (--api-key-stdin or --api-key-env)');
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
