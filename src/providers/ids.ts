/**
 * Provider ids alone, without their schemas: the CLI's flag definitions load at every start-up and
 * must not pull in zod. registry.ts holds the full table and is checked against this list.
 */
export const providerIds = ['openai', 'anthropic', 'aws-bedrock', 'gemini', 'groq', 'openai-compatible'] as const;
export type ProviderId = (typeof providerIds)[number];
