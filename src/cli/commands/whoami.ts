import type { CliContext } from '../context.js';
import { environmentRef, workspaceRef, type ContextRef, type ContextSource } from '../scope.js';
import { defineVerb } from '../verb.js';

/** How a source is shown to people: the flag or variable that set the part, or `vmx use`. */
const SOURCE_LABEL: Record<'workspace' | 'environment', Record<ContextSource, string>> = {
  workspace: { flag: '-w', env: 'VMX_WORKSPACE', saved: 'saved by vmx use' },
  environment: { flag: '-e', env: 'VMX_ENV', saved: 'saved by vmx use' },
};

/**
 * The acting user and the context the next command would use (flags > VMX_WORKSPACE/VMX_ENV > the
 * saved context), each part with where it came from. A part naming nothing that exists is shown as
 * given, marked as not found (or deleted, for a saved one) rather than failing: this is where people
 * look when something is off.
 */
export const verb = defineVerb({
  async run(_options, ctx) {
    const { workspace, environment } = await resolveContext(ctx);
    if (ctx.out.json) {
      return ctx.out.writeJson({
        user: ctx.user,
        workspace: workspace ? nameOf(workspace) : null,
        workspaceFrom: workspace?.from ?? null,
        environment: environment ? nameOf(environment) : null,
        environmentFrom: environment?.from ?? null,
        home: ctx.paths.home,
      });
    }
    const shown = (part: 'workspace' | 'environment', value: Named | undefined) =>
      value ? `${value.ref} (${SOURCE_LABEL[part][value.from]}${value.missing ? `; ${value.missing}` : ''})` : null;
    ctx.out.object({
      user: ctx.user,
      workspace: shown('workspace', workspace),
      environment: shown('environment', environment),
      home: ctx.paths.home,
    });
  },
});

interface Named {
  /** The name, or the reference as given when it names nothing. */
  ref: string;
  from: ContextSource;
  /** Why nothing was found: `deleted` (a saved id), `not found` (a flag or variable). */
  missing?: string;
}

/** As --json has always given it: the name, or the reference marked as missing. */
const nameOf = ({ ref, missing }: Named) => (missing ? `${ref} (${missing})` : ref);

async function resolveContext(ctx: CliContext): Promise<{ workspace?: Named; environment?: Named }> {
  const wsRef = workspaceRef(ctx);
  if (!wsRef) return {};
  const store = await ctx.store();
  const ws = await store.workspaces.find(wsRef.ref);
  const workspace: Named = ws ? { ref: ws.name, from: wsRef.from } : { ...wsRef, missing: missing(wsRef) };
  // Without a workspace found, only an environment given on its own (flag, variable) can be shown.
  const envRef = environmentRef(ctx, ws?.id ?? '');
  if (!envRef) return { workspace };
  const env = ws && (await store.environments.find(ws.id, envRef.ref));
  const environment: Named = env ? { ref: env.name, from: envRef.from } : { ...envRef, missing: missing(envRef) };
  return { workspace, environment };
}

const missing = ({ from }: ContextRef) => (from === 'saved' ? 'deleted' : 'not found');
