import { z } from 'zod';
import { apiKeySecret, commonConfig, defineProvider } from '../provider.js';
import { anthropicAdapter } from './adapter.js';

const API = 'https://api.anthropic.com';

/** Anthropic: the Messages API through the official SDK. */
export const anthropic = defineProvider({
  label: 'Anthropic',
  defaultModel: 'claude-haiku-4-5-20251001',
  defaultBaseUrl: API,
  config: z.object(commonConfig).strict(),
  secret: apiKeySecret(true),
  secretFields: ['apiKey'],
  pricing: { catalogId: 'anthropic' },
  adapter: (deps) => anthropicAdapter(deps, API),
});
