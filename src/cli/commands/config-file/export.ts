import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { UsageError } from '../../../errors.js';
import type { Repositories } from '../../../store/backend.js';
import { isRetentionKey } from '../../../store/retention.js';
import type { CliContext } from '../../context.js';
import { resolveEnvironment, resolveWorkspace } from '../../scope.js';
import { defineVerb, text, toggle } from '../../verb.js';
import { describeWorkspace } from './describe.js';
import { FILE_HEADER, type ConfigFile } from './format.js';
import { byText } from './specs.js';

export const verb = defineVerb({
  flags: {
    all: toggle('--all', 'every workspace the acting user is a member of'),
    output: text('-o, --output <file>', 'write the file here instead of standard output'),
  },
  async run({ all, output }, ctx) {
    if (all && (ctx.flags.workspace || ctx.flags.env)) throw new UsageError('give --all or -w/-e, not both');
    const document = await exportDocument(ctx, Boolean(all));
    const text = ctx.out.json ? `${JSON.stringify(document, null, 2)}\n` : formatConfigFile(document);
    if (!output) {
      ctx.deps.stdout.write(text);
      return;
    }
    try {
      writeFileSync(output, text);
    } catch (error) {
      throw new UsageError(
        `cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    const count = document.workspaces?.length ?? 0;
    ctx.out.message(`Exported ${count} workspace${count === 1 ? '' : 's'} to ${output}`);
  },
});

/** The file of `--all`, of `-e` (one environment of its workspace) or of the workspace in scope. */
async function exportDocument(ctx: CliContext, all: boolean): Promise<ConfigFile> {
  const store = await ctx.store();
  const secrets = await ctx.secrets();
  const workspaces = [];
  if (all) {
    const mine = (await store.workspaces.listForUser(ctx.user)).sort((a, b) => byText(a.name, b.name));
    for (const workspace of mine) workspaces.push(await describeWorkspace(store, workspace, secrets));
  } else if (ctx.flags.env) {
    const scope = await resolveEnvironment(ctx, 'read');
    workspaces.push(await describeWorkspace(store, scope.workspace, secrets, scope.environment));
  } else {
    const scope = await resolveWorkspace(ctx, 'read');
    workspaces.push(await describeWorkspace(store, scope.workspace, secrets));
  }
  const settings = await settingsOf(store);
  return { ...(Object.keys(settings).length > 0 ? { settings } : {}), workspaces };
}

/** The store-wide settings that were set (`vmx config set`), by key. */
export async function settingsOf(store: Repositories): Promise<Record<string, string>> {
  const set = (await store.settings.list()).filter((s) => isRetentionKey(s.key));
  return Object.fromEntries(set.sort((a, b) => byText(a.key, b.key)).map((s) => [s.key, s.value]));
}

/** YAML with a header line; no line folding, so a rule or a URL stays on its line. */
export function formatConfigFile(document: ConfigFile): string {
  return `# ${FILE_HEADER}\n${stringify(document, { lineWidth: 0 })}`;
}
