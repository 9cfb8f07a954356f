import { providerIds } from '../../../providers/registry.js';
import { list, text, toggle, type Options } from '../../verb.js';

/** Flags shared by `connection add`, `connection update` and `init`: the secret, the config and the limits. */
export const connectionFlags = {
  apiKeyStdin: toggle('--api-key-stdin', 'read the secret from standard input'),
  apiKeyEnv: text('--api-key-env <VAR>', 'read the secret from this environment variable'),
  awsAccessKeyId: text(
    '--aws-access-key-id <id>',
    'aws-bedrock: access key id (its secret key comes from --api-key-stdin/-env)',
  ),
  baseUrl: text(
    '--base-url <url>',
    'send requests here instead of the provider default (proxy, Azure-style or local server)',
  ),
  endpoint: text('--endpoint <url>', 'same as --base-url (the usual name for aws-bedrock)'),
  region: text('--region <region>', 'aws-bedrock: region, e.g. us-east-1'),
  profile: text('--profile <name>', 'aws-bedrock: AWS shared-config profile (default: the AWS credential chain)'),
  header: list(
    '--header <header>',
    "extra request header 'Name: value'; the value is kept as a secret (repeatable; 'Name:' removes on update)",
  ),
  connectTimeout: text('--connect-timeout <duration>', 'give up connecting after this long (default 10s)'),
  firstByteTimeout: text(
    '--first-byte-timeout <duration>',
    'give up when no answer starts within this long (default 120s)',
  ),
  idleTimeout: text(
    '--idle-timeout <duration>',
    'give up when a started answer (stream or body) goes silent this long (default 60s)',
  ),
  limit: list(
    '--limit <spec>',
    "capacity, e.g. 100r/m, 100000t/m, 5000r/h, 2000000t/d, 1000r/mo, or 'none' (repeatable)",
  ),
  price: list(
    '--price <spec>',
    "prices instead of the catalog's, USD: 'input=2.5/M,output=10/M[,cached=…,cache-write=…]', one model with '<model>:…', or 'none' (repeatable)",
  ),
  description: text('--description <text>', 'what the connection is for'),
};

/** The flags of a new connection: the provider first (checked by the verb, which asks for it on a TTY). */
export const newConnectionFlags = {
  provider: text('--provider <id>', `one of ${providerIds.join(', ')}`),
  ...connectionFlags,
};

export type ConnectionFlags = Options<typeof connectionFlags>;
