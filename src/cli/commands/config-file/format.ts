import { z } from 'zod';

/**
 * The shape of a `vmx export` / `vmx apply` file (README.md next to this file). Every entity is named,
 * never referenced by id; a field left out of an entity means its default (no description, no
 * limits…); a list left out of its parent (`keys:` under an environment…) is not managed by the file.
 */
const name = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "must start with a letter or digit and use only letters, digits, '.', '_' or '-'",
  );

const description = z.string().optional();
const limits = z.array(z.string()).optional();

const connection = z.strictObject({
  name,
  provider: z.string(),
  description,
  /** Non-secret provider settings (base URL, region, profile, header names, timeouts). */
  config: z.record(z.string(), z.unknown()).optional(),
  /** The environment variable apply reads the provider secret from; never the secret itself. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  limits,
  prices: z.array(z.string()).optional(),
});

const resource = z.strictObject({
  name,
  description,
  model: z.string(),
  fallback: z.array(z.string()).optional(),
  useFallback: z.boolean().optional(),
  secondary: z.array(z.string()).optional(),
  /** One-line rules, as `--route` takes them. */
  routes: z.array(z.string()).optional(),
  /** The full JSON form (`--routing-file`), for routing the one-line form cannot carry. */
  routing: z.unknown().optional(),
  limits,
  enforceCapacity: z.boolean().optional(),
});

const key = z.strictObject({
  name,
  description,
  /** Resource names the key may call; left out, every resource of the environment. */
  resources: z.array(name).optional(),
  limits,
  enabled: z.boolean().optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  allowOverrides: z.boolean().optional(),
});

const pool = z.strictObject({
  name,
  rank: z.number().int(),
  min: z.number().int(),
  max: z.number().int(),
  resources: z.array(name),
});

const environment = z.strictObject({
  name,
  description,
  connections: z.array(connection).optional(),
  resources: z.array(resource).optional(),
  keys: z.array(key).optional(),
  pools: z.array(pool).optional(),
});

const member = z.strictObject({
  user: z.string().regex(/^[^\s/]+$/, 'must not contain spaces or slashes'),
  role: z.enum(['owner', 'member']),
});

const workspace = z.strictObject({
  name,
  description,
  members: z.array(member).optional(),
  environments: z.array(environment).optional(),
});

export const configFileSchema = z.strictObject({
  /** Store-wide settings (`vmx config`); keys left out keep their value unless --prune. */
  settings: z.record(z.string(), z.string()).optional(),
  workspaces: z.array(workspace).optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type WorkspaceSpec = z.infer<typeof workspace>;
export type EnvironmentSpec = z.infer<typeof environment>;
export type MemberSpec = z.infer<typeof member>;
export type ConnectionSpec = z.infer<typeof connection>;
export type ResourceSpec = z.infer<typeof resource>;
export type KeySpec = z.infer<typeof key>;
export type PoolSpec = z.infer<typeof pool>;

/** The header of every exported file. */
export const FILE_HEADER = 'vmx configuration: apply with `vmx apply -f <file>` (secrets are never in this file)';
