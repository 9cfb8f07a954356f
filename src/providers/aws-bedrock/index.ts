import { z } from 'zod';
import { commonConfig, defineProvider } from '../provider.js';
import { bedrockAdapter } from './adapter.js';

const config = z
  .object({
    ...commonConfig,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'),
    profile: z.string().min(1).optional(),
  })
  .strict();

/** What a Bedrock connection stores: the common settings (`baseUrl` is the endpoint override), region and profile. */
export type BedrockSettings = z.output<typeof config>;

/** AWS Bedrock: Claude through InvokeModel (Messages bodies), every model through Converse. */
export const awsBedrock = defineProvider({
  label: 'AWS Bedrock',
  defaultModel: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  config,
  // With no stored keys the AWS default credential chain (or --profile) is used.
  secret: { field: 'secretAccessKey', label: 'AWS secret access key', required: false },
  secretFields: ['accessKeyId', 'secretAccessKey'],
  questions: [{ setting: 'region', question: 'AWS region', default: 'us-east-1' }],
  pricing: { catalogId: 'aws' },
  adapter: bedrockAdapter,
});
