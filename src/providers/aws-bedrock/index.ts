import { defineProvider } from '../provider.js';
import { bedrockAdapter } from './adapter.js';
import { bedrockConfig } from './settings.js';

/** AWS Bedrock: Claude through InvokeModel (Messages bodies), every model through Converse. */
export const awsBedrock = defineProvider({
  label: 'AWS Bedrock',
  defaultModel: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  config: bedrockConfig,
  // With no stored keys the AWS default credential chain (or --profile) is used.
  secret: { field: 'secretAccessKey', label: 'AWS secret access key', required: false },
  secretFields: ['accessKeyId', 'secretAccessKey'],
  questions: [{ setting: 'region', question: 'AWS region', default: 'us-east-1' }],
  pricing: { catalogId: 'aws' },
  adapter: bedrockAdapter,
});
