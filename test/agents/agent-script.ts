import { randomBytes } from 'node:crypto';
import type {
  Behaviour as AnthropicBehaviour,
  RecordedRequest as AnthropicRequest,
} from '../helpers/fake-anthropic.js';
import type { Behaviour as OpenAIBehaviour, RecordedRequest as OpenAIRequest } from '../helpers/fake-openai.js';
import { viewRequest, type OfferedTool, type RequestView, type UpstreamDialect } from './request-view.js';

/**
 * What the fake upstreams answer an agent, decided from the request alone (no FIFO: agents send side
 * requests — quota probes, titles, count_tokens — in an order no test should depend on). Each case carries
 * a random nonce in its prompt:
 * - `vmx-plain-<n>` → the reply `vmx-answer-<n>`;
 * - `vmx-tool-<n>`, in a request that offers a shell tool → a call of that tool running {@link toolCommand};
 *   when the tool result comes back, a reply quoting the output found in it. The command computes part of its
 *   output (`$((6*7))`), so the expected text appears nowhere in the prompt: only a command that really ran
 *   can produce it.
 * Anything else gets the fakes' default reply.
 */

export const nonce = (): string => randomBytes(5).toString('hex');

export const plainPrompt = (n: string) => `This is a gateway check: answer with the code word for vmx-plain-${n}.`;
export const plainAnswer = (n: string) => `vmx-answer-${n}`;
export const toolPrompt = (n: string) =>
  `This is a gateway check: run the shell command for vmx-tool-${n} and tell me what it printed.`;
export const toolCommand = (n: string) => `echo vmx-result-${n}-$((6*7))`;
export const toolOutput = (n: string) => `vmx-result-${n}-42`;
export const finalAnswer = (output: string) => `The check printed ${output}.`;

/** Shell tools as the agents name them, preferred first. */
const SHELL_TOOLS = ['Bash', 'shell_command', 'exec_command', 'shell'];

type Decision = { kind: 'text'; text: string } | { kind: 'tool'; name: string; args: Record<string, unknown> };

export function decide(view: RequestView): Decision | undefined {
  if (view.toolResult !== undefined) {
    const output = view.toolResult.match(/vmx-result-[0-9a-f]+-42/)?.[0];
    return { kind: 'text', text: output ? finalAnswer(output) : `The check failed: ${view.toolResult.slice(0, 300)}` };
  }
  const plain = view.lastUserText.match(/vmx-plain-([0-9a-f]+)/);
  if (plain) return { kind: 'text', text: plainAnswer(plain[1]!) };
  const tool = view.lastUserText.match(/vmx-tool-([0-9a-f]+)/);
  const shell = SHELL_TOOLS.map((name) => view.tools.find((t) => t.name === name)).find(Boolean);
  if (tool && shell) return { kind: 'tool', name: shell.name, args: shellArguments(shell, toolCommand(tool[1]!)) };
  return undefined;
}

/** The arguments of a shell call, shaped by the tool's schema (a string, an argv array, or `cmd`). */
function shellArguments(tool: OfferedTool, command: string): Record<string, unknown> {
  const properties = tool.parameters?.properties ?? {};
  if (tool.name === 'Bash') return { command, description: 'Print the vmx check result' };
  if (properties.cmd) return { cmd: command };
  if (properties.command?.type === 'array') return { command: ['bash', '-lc', command] };
  return { command };
}

export function chooseAnthropic(request: AnthropicRequest): AnthropicBehaviour | undefined {
  if (request.route !== 'messages') return undefined;
  const decision = decide(viewRequest('anthropic-messages', request.json));
  if (!decision) return undefined;
  return decision.kind === 'text'
    ? { kind: 'reply', text: decision.text }
    : { kind: 'tool-use', name: decision.name, input: decision.args };
}

export function chooseOpenAI(request: OpenAIRequest): OpenAIBehaviour | undefined {
  const dialect = openAIDialect(request.path);
  if (!dialect) return undefined;
  const decision = decide(viewRequest(dialect, request.json));
  if (!decision) return undefined;
  return decision.kind === 'text'
    ? { kind: 'reply', text: decision.text }
    : { kind: 'tool-call', name: decision.name, arguments: JSON.stringify(decision.args) };
}

export function openAIDialect(path: string): UpstreamDialect | undefined {
  const pathname = path.split('?', 1)[0];
  if (pathname === '/v1/chat/completions') return 'openai-chat';
  if (pathname === '/v1/responses') return 'openai-responses';
  return undefined;
}
