import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../../src/daemon/server.js';
import { ConnectionSecrets, FileStore } from '../../src/store/credentials/index.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../src/gateway/key-material.js';
import { openStore } from '../../src/store/open.js';
import type { AuditRecord } from '../../src/store/repos/audit.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { chooseAnthropic, chooseOpenAI } from './agent-script.js';

/**
 * The resources the agents send as `model`: `*-direct` reach a provider that speaks the agent's dialect
 * (passthrough), `*-converted` one that does not (Claude Code's Messages → Chat Completions, Codex's
 * Responses → Messages). The upstream model names are what the fakes see.
 */
export const RESOURCES = {
  claudeDirect: { name: 'claude-direct', connection: 'anthropic', model: 'claude-sonnet-4-5' },
  claudeConverted: { name: 'claude-converted', connection: 'openai', model: 'gpt-4.1-mini' },
  codexDirect: { name: 'codex-direct', connection: 'openai', model: 'gpt-5-codex' },
  codexConverted: { name: 'codex-converted', connection: 'anthropic', model: 'claude-sonnet-4-5' },
} as const;

export interface AgentGateway {
  /** The data dir (vmx.db, vmx.log, secrets.json). */
  home: string;
  /** The drop-in Anthropic base URL, the daemon's root (the client appends `/v1/messages`); the key names acme/dev. */
  anthropicBaseUrl: string;
  /** The drop-in OpenAI base URL, `<daemon>/v1` (the client appends `/responses`, `/models`). */
  openaiBaseUrl: string;
  /** An API key of acme/dev allowed to call every resource. */
  key: string;
  anthropic: FakeAnthropic;
  openai: FakeOpenAI;
  /**
   * The audit rows of the requests vmx received since `since` (epoch ms), oldest first, once there are at
   * least `atLeast` (the daemon writes them in batches, within ~50 ms of each request ending).
   */
  auditSince(since: number, atLeast: number): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

/**
 * A real daemon (temp data dir, real SQLite, file secret store, a free port) in front of a fake Anthropic
 * and a fake OpenAI upstream that answer as agent-script.ts says. Everything is configured before the
 * daemon starts, so it is live from the first request.
 */
export async function startAgentGateway(): Promise<AgentGateway> {
  const home = mkdtempSync(join(tmpdir(), 'vmx-agents-'));
  const anthropic = await startFakeAnthropic({ choose: chooseAnthropic });
  const openai = await startFakeOpenAI({ choose: chooseOpenAI });
  const store = openStore(join(home, 'vmx.db'));
  const workspace = store.workspaces.create({ name: 'acme', user: 'alice' });
  const environment = store.environments.create({
    workspaceId: workspace.id,
    workspaceName: 'acme',
    name: 'dev',
    user: 'alice',
  });
  const secrets = new ConnectionSecrets(new FileStore(home), {});
  const connections = {
    anthropic: store.connections.create({
      environmentId: environment.id,
      name: 'anthropic',
      provider: 'anthropic',
      config: { baseUrl: anthropic.url },
      capacity: [],
      user: 'alice',
    }),
    openai: store.connections.create({
      environmentId: environment.id,
      name: 'openai',
      provider: 'openai',
      config: { baseUrl: openai.url },
      capacity: [],
      user: 'alice',
    }),
  };
  secrets.write(connections.anthropic.id, { apiKey: 'sk-ant-fake-upstream' });
  secrets.write(connections.openai.id, { apiKey: 'sk-openai-fake-upstream' });
  for (const r of Object.values(RESOURCES)) {
    store.resources.create(
      environment.id,
      singleModelResource(r.name, { connectionId: connections[r.connection].id, model: r.model }),
      'alice',
    );
  }
  const key = generateApiKey();
  store.apiKeys.create({
    environmentId: environment.id,
    name: 'agents',
    keyHash: hashApiKey(key),
    maskedKey: maskApiKey(key),
    resources: null,
    capacity: [],
    expiresAt: null,
    user: 'alice',
  });
  const daemon: RunningDaemon = await startDaemon({
    home,
    host: '127.0.0.1',
    port: 0,
    graceMs: 2000,
    stdout: 'none',
    env: { VMX_CREDENTIAL_STORE: 'file' },
  });
  return {
    home,
    anthropicBaseUrl: daemon.url,
    openaiBaseUrl: `${daemon.url}/v1`,
    key,
    anthropic,
    openai,
    async auditSince(since, atLeast) {
      const list = () => store.audit.list({ environmentId: environment.id, since, limit: 1000 }).reverse();
      for (let waited = 0; list().length < atLeast && waited < 5000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      // One more beat: a batch holding a late side request may still be on its way.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return list();
    },
    async close() {
      await daemon.close('test');
      await anthropic.close();
      await openai.close();
      store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
