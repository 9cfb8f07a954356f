import type { Command } from 'commander';
import { providerIds } from '../../../providers/ids.js';
import { repeatable } from '../../verb.js';

/** Flags shared by `connection add` and `connection update`. */
export function connectionFlags(command: Command, forUpdate: boolean): Command {
  if (!forUpdate) command.option('--provider <id>', `one of ${providerIds.join(', ')}`);
  return command
    .option('--api-key-stdin', 'read the secret from standard input')
    .option('--api-key-env <VAR>', 'read the secret from this environment variable')
    .option('--aws-access-key-id <id>', 'aws-bedrock: access key id (its secret key comes from --api-key-stdin/-env)')
    .option(
      '--base-url <url>',
      'send requests here instead of the provider default (proxy, Azure-style or local server)',
    )
    .option('--endpoint <url>', 'same as --base-url (the usual name for aws-bedrock)')
    .option('--region <region>', 'aws-bedrock: region, e.g. us-east-1')
    .option('--profile <name>', 'aws-bedrock: AWS shared-config profile (default: the AWS credential chain)')
    .option(
      '--header <header>',
      "extra request header 'Name: value'; the value is kept as a secret (repeatable; 'Name:' removes on update)",
      repeatable,
    )
    .option('--connect-timeout <duration>', 'give up connecting after this long (default 10s)')
    .option('--first-byte-timeout <duration>', 'give up when no answer starts within this long (default 120s)')
    .option(
      '--idle-timeout <duration>',
      'give up when a started answer (stream or body) goes silent this long (default 60s)',
    )
    .option(
      '--limit <spec>',
      "capacity, e.g. 100r/m, 100000t/m, 5000r/h, 2000000t/d, 1000r/mo, or 'none' (repeatable)",
      repeatable,
    )
    .option(
      '--price <spec>',
      "prices instead of the catalog's, USD: 'input=2.5/M,output=10/M[,cached=…,cache-write=…]', one model with '<model>:…', or 'none' (repeatable)",
      repeatable,
    )
    .option('--description <text>', 'what the connection is for');
}
