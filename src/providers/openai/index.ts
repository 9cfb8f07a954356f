import { openAICompatible } from './compatible.js';

/** OpenAI itself: Chat Completions and Responses natively. */
export const openai = openAICompatible({
  label: 'OpenAI',
  defaultModel: 'gpt-4.1-mini',
  baseUrl: 'https://api.openai.com/v1',
  catalogId: 'openai',
  dialects: ['openai-chat', 'openai-responses'],
});
