/**
 * The base URLs and ready-to-paste snippets `vmx init` ends with. They use the short routes (HTTP.md):
 * the key names its environment, so the base URLs are the usual drop-in ones. Each snippet is a whole
 * file that runs as pasted, the key read from `VMX_API_KEY`, with no blank line in it (the printed
 * text separates snippets by one); the two Node ones name their clients
 * apart (`openai`, `anthropic`) so that they can share a file too.
 */
export function sdkSnippets(input: {
  host: string;
  port: number;
  workspace: string;
  environment: string;
  resource: string;
}) {
  const origin = `http://${input.host.includes(':') ? `[${input.host}]` : input.host}:${input.port}`;
  const baseUrl = `${origin}/v1`;
  const anthropicBaseUrl = origin;
  // The same routes under the environment's own path, for clients that cannot send the key's environment.
  const environmentBaseUrl = `${origin}/v1/completion/${input.workspace}/${input.environment}`;
  // Names are letters, digits, '.', '_' and '-' (input.ts): they need no escaping in any of the quotes below.
  const model = input.resource;
  const curl = [
    `curl -s ${baseUrl}/chat/completions \\`,
    '  -H "authorization: Bearer $VMX_API_KEY" -H "content-type: application/json" \\',
    `  -d '{"model":"${model}","messages":[{"role":"user","content":"Hello!"}]}'`,
  ].join('\n');
  const openai = [
    '// hello.mjs: npm install openai, then node hello.mjs',
    "import OpenAI from 'openai';",
    `const openai = new OpenAI({ baseURL: '${baseUrl}', apiKey: process.env.VMX_API_KEY });`,
    'const completion = await openai.chat.completions.create({',
    `  model: '${model}',`,
    "  messages: [{ role: 'user', content: 'Hello!' }],",
    '});',
    'console.log(completion.choices[0].message.content);',
  ].join('\n');
  const anthropic = [
    '// hello-anthropic.mjs: npm install @anthropic-ai/sdk, then node hello-anthropic.mjs',
    "import Anthropic from '@anthropic-ai/sdk';",
    `const anthropic = new Anthropic({ baseURL: '${anthropicBaseUrl}', apiKey: process.env.VMX_API_KEY });`,
    'const message = await anthropic.messages.create({',
    `  model: '${model}',`,
    '  max_tokens: 1024,',
    "  messages: [{ role: 'user', content: 'Hello!' }],",
    '});',
    "console.log(message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''));",
  ].join('\n');
  const python = [
    '# hello.py: pip install openai, then python3 hello.py',
    'import os',
    'from openai import OpenAI',
    `client = OpenAI(base_url="${baseUrl}", api_key=os.environ["VMX_API_KEY"])`,
    'completion = client.chat.completions.create(',
    `    model="${model}",`,
    '    messages=[{"role": "user", "content": "Hello!"}],',
    ')',
    'print(completion.choices[0].message.content)',
  ].join('\n');
  return { baseUrl, anthropicBaseUrl, environmentBaseUrl, snippets: { curl, openai, python, anthropic } };
}
