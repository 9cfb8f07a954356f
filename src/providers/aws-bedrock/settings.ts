import { z } from 'zod';
import { commonConfig } from '../provider.js';

/** What a Bedrock connection stores: the common settings (`baseUrl` is the endpoint override), region and profile. */
export const bedrockConfig = z
  .object({
    ...commonConfig,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'),
    profile: z.string().min(1).optional(),
  })
  .strict();

export type BedrockSettings = z.output<typeof bedrockConfig>;
