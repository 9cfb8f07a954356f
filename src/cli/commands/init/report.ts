import type { RegisteredProvider } from '../../../providers/registry.js';
import type { ApiKey } from '../../../store/repos/api-keys.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { Environment } from '../../../store/repos/environments.js';
import type { Resource } from '../../../store/repos/resources.js';
import type { Workspace } from '../../../store/repos/workspaces.js';
import type { CliContext } from '../../context.js';
import { sdkSnippets } from './snippets.js';

export interface InitResult {
  workspace: Workspace;
  environment: Environment;
  connection: Connection;
  resource: Resource;
  apiKey: ApiKey;
  provider: RegisteredProvider;
  model: string;
  /** The new API key, shown this once. */
  key: string;
  host: string;
  port: number;
  /** A daemon runs for this data dir (it picks the new setup up by itself). */
  running: boolean;
}

/** What was made, the key (shown once, as the `export` line the snippets read), the base URLs and the snippets. */
export function report(ctx: CliContext, made: InitResult): void {
  const { workspace, environment, connection, resource, apiKey, port } = made;
  const urls = sdkSnippets({
    host: made.host,
    port,
    workspace: workspace.name,
    environment: environment.name,
    resource: resource.name,
  });
  if (ctx.out.json) {
    ctx.out.writeJson({ workspace, environment, connection, resource, apiKey: { ...apiKey, key: made.key }, ...urls });
    return;
  }
  const where = `${workspace.name}/${environment.name}`;
  ctx.out.message(
    [
      `Created ${where}: connection ${connection.name} (${made.provider.label}), resource ${resource.name} → ${made.model}, key ${apiKey.name}.`,
      `This is now the current context (vmx use ${where}).`,
      '',
      'Your API key (shown once: vmx keeps only its hash). The snippets below read it from VMX_API_KEY:',
      '',
      `export VMX_API_KEY=${made.key}`,
      '',
      made.running
        ? `The gateway running on port ${port} serves this setup now; clients use`
        : `Start the gateway with \`vmx serve --detach${port === 3000 ? '' : ` --port ${port}`}\`; then clients use`,
      `  OpenAI base URL:    ${urls.baseUrl}`,
      `  Anthropic base URL: ${urls.anthropicBaseUrl}`,
      `  model:              ${resource.name}`,
      '',
      '# curl',
      urls.snippets.curl,
      '',
      urls.snippets.openai,
      '',
      urls.snippets.python,
    ].join('\n'),
  );
}
