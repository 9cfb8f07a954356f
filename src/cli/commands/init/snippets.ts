/** The base URLs and ready-to-paste SDK snippets `vmx init` ends with. */
export function sdkSnippets(input: {
  host: string;
  port: number;
  workspace: string;
  environment: string;
  resource: string;
}) {
  const baseUrl = `http://${input.host}:${input.port}/v1/completion/${input.workspace}/${input.environment}`;
  const anthropicBaseUrl = `${baseUrl}/anthropic`;
  const openai = [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: '${baseUrl}', apiKey: process.env.VMX_API_KEY });`,
    'const completion = await client.chat.completions.create({',
    `  model: '${input.resource}',`,
    "  messages: [{ role: 'user', content: 'Hello!' }],",
    '});',
    'console.log(completion.choices[0].message.content);',
  ].join('\n');
  const anthropic = [
    "import Anthropic from '@anthropic-ai/sdk';",
    '',
    `const client = new Anthropic({ baseURL: '${anthropicBaseUrl}', apiKey: process.env.VMX_API_KEY });`,
    'const message = await client.messages.create({',
    `  model: '${input.resource}',`,
    '  max_tokens: 1024,',
    "  messages: [{ role: 'user', content: 'Hello!' }],",
    '});',
    'console.log(message.content);',
  ].join('\n');
  const curl = [
    `curl -s ${baseUrl}/chat/completions \\`,
    '  -H "authorization: Bearer $VMX_API_KEY" -H "content-type: application/json" \\',
    `  -d '{"model":"${input.resource}","messages":[{"role":"user","content":"Hello!"}]}'`,
  ].join('\n');
  return { baseUrl, anthropicBaseUrl, snippets: { openai, anthropic, curl } };
}
