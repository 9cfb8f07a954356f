import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentGateway, type AgentGateway, type RESOURCES } from './agent-gateway.js';
import { finalAnswer, nonce, openAIDialect, plainAnswer, plainPrompt, toolOutput, toolPrompt } from './agent-script.js';
import { installAgent } from './install.js';
import { viewRequest, type RequestView, type UpstreamDialect } from './request-view.js';
import { AGENT_RUN_TIMEOUT_MS, describeRun, type AgentRun } from './run-agent.js';
import { AGENTS, type AgentName } from './versions.js';

/** One way an agent's requests travel: the resource it names and the fake upstream that answers. */
export interface AgentRoute {
  title: string;
  resource: (typeof RESOURCES)[keyof typeof RESOURCES];
  /** The dialect the upstream receives (the agent's own for passthrough, another after conversion). */
  upstream: UpstreamDialect;
}

export type RunAgent = (bin: string, gw: AgentGateway, resource: string, prompt: string) => Promise<AgentRun>;

/** A first run installs the CLI (a few hundred MB) before the daemon starts. */
const INSTALL_TIMEOUT_MS = 600_000;
const CASE_TIMEOUT_MS = AGENT_RUN_TIMEOUT_MS + 30_000;

interface Received {
  model: unknown;
  view: RequestView;
  behaviourKind?: string;
}

/** The completion requests the fake behind `dialect` has received, each read in its dialect. */
function received(gw: AgentGateway, dialect: UpstreamDialect): Received[] {
  const requests =
    dialect === 'anthropic-messages'
      ? gw.anthropic.requests.filter((r) => r.route === 'messages')
      : gw.openai.requests.filter((r) => openAIDialect(r.path) === dialect);
  return requests.map((r) => ({
    model: r.json?.model,
    view: viewRequest(dialect, r.json),
    behaviourKind: r.behaviour?.kind,
  }));
}

/**
 * Runs the agent and checks what vmx made of every request it sent: each named a resource and was answered
 * 200. Agents retry failed requests on their own (Claude Code up to ten times, Codex five), so a vmx error
 * could otherwise hide behind a passing case.
 */
async function runThroughVmx(run: RunAgent, bin: string, gw: AgentGateway, route: AgentRoute, prompt: string) {
  const since = Date.now();
  const before = received(gw, route.upstream).length;
  const result = await run(bin, gw, route.resource.name, prompt);
  const requests = received(gw, route.upstream).slice(before);
  const audit = await gw.auditSince(since, requests.length);
  const answered = audit.map(
    (row) => `${row.route} ${row.resource} → ${row.status}${row.error ? ` ${row.error}` : ''}`,
  );
  return { result, requests, answered };
}

/**
 * The four cases of an agent: a plain prompt and a tool round trip, through a passthrough and a
 * converted route. Each asserts on what the agent printed, what vmx answered and what the fake received.
 */
export function describeAgent(name: AgentName, run: RunAgent, routes: AgentRoute[]): void {
  const { pkg, version } = AGENTS[name];
  describe(`${pkg}@${version} through vmx`, () => {
    let bin: string;
    let gw: AgentGateway;
    beforeAll(async () => {
      bin = await installAgent(name);
      gw = await startAgentGateway();
    }, INSTALL_TIMEOUT_MS);
    afterAll(async () => {
      await gw?.close();
    });

    for (const route of routes) {
      const allOk = (answered: string[]) => answered.every((line) => line.endsWith(` ${route.resource.name} → 200`));

      describe(route.title, () => {
        it(
          'answers a plain prompt',
          async () => {
            const n = nonce();
            const { result, requests, answered } = await runThroughVmx(run, bin, gw, route, plainPrompt(n));
            expect(result.code, describeRun(result, answered)).toBe(0);
            expect(result.stdout, describeRun(result, answered)).toContain(plainAnswer(n));
            expect(answered.length).toBeGreaterThan(0);
            expect(allOk(answered), answered.join('\n')).toBe(true);
            const asked = requests.filter((r) => r.view.lastUserText.includes(`vmx-plain-${n}`));
            expect(asked.length).toBeGreaterThan(0);
            expect(asked.every((r) => r.model === route.resource.model)).toBe(true);
          },
          CASE_TIMEOUT_MS,
        );

        it(
          'runs the tool the upstream calls and sends its result back',
          async () => {
            const n = nonce();
            const { result, requests, answered } = await runThroughVmx(run, bin, gw, route, toolPrompt(n));
            expect(result.code, describeRun(result, answered)).toBe(0);
            expect(result.stdout, describeRun(result, answered)).toContain(finalAnswer(toolOutput(n)));
            expect(answered.length).toBeGreaterThanOrEqual(2);
            expect(allOk(answered), answered.join('\n')).toBe(true);
            // The first turn: the fake answered the prompt with the shell call…
            const firstTurn = requests.filter((r) => r.view.lastUserText.includes(`vmx-tool-${n}`));
            expect(firstTurn.map((r) => r.behaviourKind)).toContain(
              route.upstream === 'anthropic-messages' ? 'tool-use' : 'tool-call',
            );
            // …and a later one carried the command's output, which only running it produces.
            const withResult = requests.filter((r) => r.view.toolResult?.includes(toolOutput(n)));
            expect(withResult.length).toBeGreaterThan(0);
            expect(withResult.every((r) => r.model === route.resource.model)).toBe(true);
          },
          CASE_TIMEOUT_MS,
        );
      });
    }
  });
}
