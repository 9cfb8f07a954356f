import { CancelledError, RuntimeError } from '../../../errors.js';
import { connectionSecretFields, type RegisteredProvider } from '../../../providers/registry.js';
import { connectionEnvVar } from '../../../store/credentials/index.js';
import type { CliContext } from '../../context.js';
import type { ConnectionFlags } from '../connection/config-flags.js';
import { buildConfig, type ConfigFlags } from '../connection/config.js';
import { collectSecret, headerSecretFields } from '../connection/secret.js';

/** What init saves as the connection: its config, the model its resource uses and the secret entry. */
export interface ConnectionDraft {
  config: Record<string, unknown>;
  model: string;
  secret: Record<string, string> | undefined;
}

type DraftFlags = ConnectionFlags & { model?: string };

/**
 * The connection's settings, model and secret: flags first, the rest asked on a TTY. For a provider
 * whose key is optional (an OpenAI-compatible server), a TTY asks for it too, hidden; empty means none.
 */
export async function draftConnection(
  ctx: CliContext,
  provider: RegisteredProvider,
  name: string,
  flags: DraftFlags,
): Promise<ConnectionDraft> {
  const config = buildConfig(provider, await askProviderSettings(ctx, provider, flags));
  const model = flags.model ?? (ctx.canPrompt ? await askModel(ctx, provider.defaultModel) : provider.defaultModel);
  const secret = await collectSecret(ctx, provider, name, flags, 'add');
  const optionalKey = !provider.secret.required && !secret?.[provider.secret.field];
  if (!optionalKey || !ctx.canPrompt || flags.apiKeyStdin || flags.apiKeyEnv || overridden(ctx, provider, name))
    return { config, model, secret };
  return { config, model, secret: await askOptionalKey(ctx, provider, name, flags.header) };
}

/** True when `VMX_<CONNECTION>_API_KEY` (or the provider's field) supplies the secret: nothing to ask. */
function overridden(ctx: CliContext, provider: RegisteredProvider, name: string): boolean {
  return Boolean(ctx.deps.env[connectionEnvVar(name, provider.secret.field)]);
}

async function askModel(ctx: CliContext, fallback: string): Promise<string> {
  return ctx.prompter.input('Model', { default: fallback, validate: (v) => (v.trim() ? true : 'must not be empty') });
}

/** The hidden prompt of an optional key, with the `--header` values the entry holds too. */
async function askOptionalKey(
  ctx: CliContext,
  provider: RegisteredProvider,
  name: string,
  headerFlags: string[] | undefined,
): Promise<Record<string, string> | undefined> {
  const key = await ctx.prompter.password(
    `${provider.secret.label} for ${name} (leave empty if the server needs none)`,
  );
  const entry = { ...(key ? { [provider.secret.field]: key } : {}), ...headerSecretFields(headerFlags) };
  return Object.keys(entry).length > 0 ? entry : undefined;
}

/** On a TTY, the provider settings a flag did not give and the provider needs (its setup questions). */
async function askProviderSettings(
  ctx: CliContext,
  provider: RegisteredProvider,
  flags: ConfigFlags,
  always = false,
): Promise<ConfigFlags> {
  if (!ctx.canPrompt) return flags;
  const settings = { ...flags };
  for (const { setting, question, default: fallback } of provider.questions ?? []) {
    const given = setting === 'baseUrl' ? settings.baseUrl || settings.endpoint : settings[setting];
    if (always || !given) {
      const answer = await ctx.prompter.input(question, { default: given || fallback });
      settings[setting] = answer;
      if (setting === 'baseUrl') settings.endpoint = undefined;
    }
  }
  return settings;
}

/**
 * Tests the draft with a one-token completion to its model (providers/probe.ts, as `vmx connection
 * test --model`) before anything is saved. On failure a TTY says what failed and offers to try again,
 * edit the settings, key and model, or keep them anyway; without a TTY it is a runtime error (exit 1)
 * naming the reason, `--skip-test` being the way to save an unreachable connection.
 */
export async function testedConnection(
  ctx: CliContext,
  provider: RegisteredProvider,
  name: string,
  flags: DraftFlags,
  first: ConnectionDraft,
): Promise<ConnectionDraft> {
  let draft = first;
  for (;;) {
    const failure = await tryConnection(ctx, provider, name, draft);
    if (failure === undefined) return draft;
    const reason = `connection test failed: ${failure}`;
    if (!ctx.canPrompt)
      throw new RuntimeError(reason, 'check the base URL, the key and the model, or save it untested with --skip-test');
    ctx.out.message(`✗ ${reason}`);
    const next = await ctx.prompter.select<'retry' | 'edit' | 'keep' | 'cancel'>('What now?', [
      { name: 'Try again', value: 'retry' },
      {
        name: provider.questions?.length ? 'Edit the base URL, key and model' : 'Edit the key and model',
        value: 'edit',
      },
      { name: 'Keep these settings anyway', value: 'keep' },
      { name: 'Cancel', value: 'cancel' },
    ]);
    if (next === 'keep') return draft;
    if (next === 'cancel') throw new CancelledError();
    if (next === 'edit') draft = await editDraft(ctx, provider, name, flags, draft);
  }
}

/** Asks again for the settings, the key (hidden; empty keeps the one given) and the model. */
async function editDraft(
  ctx: CliContext,
  provider: RegisteredProvider,
  name: string,
  flags: DraftFlags,
  draft: ConnectionDraft,
): Promise<ConnectionDraft> {
  const baseUrl = typeof draft.config.baseUrl === 'string' ? draft.config.baseUrl : flags.baseUrl;
  const config = buildConfig(provider, await askProviderSettings(ctx, provider, { ...flags, baseUrl }, true));
  const key = await ctx.prompter.password(
    `${provider.secret.label} for ${name} (leave empty to keep the one given${provider.secret.required ? '' : ', - for none'})`,
  );
  const field = provider.secret.field;
  const secret = { ...draft.secret };
  if (key === '-' && !provider.secret.required) delete secret[field];
  else if (key) secret[field] = key;
  const model = await askModel(ctx, draft.model);
  return { config, model, secret: Object.keys(secret).length > 0 ? secret : undefined };
}

/** One probe of the draft; undefined when it answered, else what went wrong. */
async function tryConnection(
  ctx: CliContext,
  provider: RegisteredProvider,
  name: string,
  draft: ConnectionDraft,
): Promise<string | undefined> {
  const target = typeof draft.config.baseUrl === 'string' ? draft.config.baseUrl : provider.label;
  if (ctx.canPrompt) ctx.out.message(`Testing ${name} (${target}, model ${draft.model})…`);
  // The adapters load only here, as for `vmx connection test`.
  const { probe } = await import('../../../providers/probe.js');
  const connection = {
    id: `init-${name}`,
    name,
    provider: provider.id,
    config: draft.config,
    updatedAt: new Date().toISOString(),
  };
  const secret = { ...draft.secret, ...overrides(ctx, connection) };
  const result = await probe(connection, secret, { model: draft.model, timeoutMs: 20_000 });
  if (result.ok) {
    if (ctx.canPrompt) ctx.out.message(`✓ ${name}: ${draft.model} answered in ${result.latencyMs} ms`);
    return undefined;
  }
  return `${target}: ${result.message}`;
}

/** The `VMX_<CONNECTION>_<FIELD>` values set for the connection: they win over the stored entry, so the test uses them. */
function overrides(
  ctx: CliContext,
  connection: { name: string; provider: string; config: Record<string, unknown> },
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of connectionSecretFields(connection)) {
    const value = ctx.deps.env[connectionEnvVar(connection.name, field)];
    if (value) values[field] = value;
  }
  return values;
}
