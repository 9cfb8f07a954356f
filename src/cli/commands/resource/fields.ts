import { readFileSync } from 'node:fs';
import { UsageError } from '../../../errors.js';
import { parseLimits } from '../../../store/capacity.js';
import type { Store } from '../../../store/open.js';
import type { Resource, ResourceFields } from '../../../store/repos/resources.js';
import {
  parseRoutingDocument,
  parseRule,
  resolveRouting,
  type ConnectionResolver,
  type ModelRef,
  type Routing,
  type RoutingInput,
} from '../../../store/routing/index.js';
import type { CliContext } from '../../context.js';
import { readAll } from '../../io/stdin.js';
import { findConnection } from '../../lookup.js';
import type { EnvironmentScope } from '../../scope.js';

export interface ResourceFlags {
  model?: string;
  /** string[] from --fallback, false from --no-fallback. */
  fallback?: string[] | false;
  secondary?: string[];
  route?: string[];
  routingFile?: string;
  limit?: string[];
  enforceCapacity?: boolean;
  description?: string;
}

/**
 * The stored fields of a resource from the flags, over `current` when updating. Every referenced
 * connection must belong to the resource's environment (else exit 3, naming it).
 */
export async function buildResourceFields(
  ctx: CliContext,
  scope: EnvironmentScope,
  store: Store,
  name: string,
  flags: ResourceFlags,
  current?: Resource,
): Promise<ResourceFields> {
  const ref = (text: string, flag: string) => modelRef(scope, store, text, flag);
  const model = flags.model !== undefined ? ref(flags.model, '--model') : current?.model;
  if (!model) throw new UsageError('missing required flag --model <connection/model>');

  let fallbackModels = current?.fallbackModels ?? [];
  let useFallback = current?.useFallback ?? true;
  if (flags.fallback === false) useFallback = false;
  else if (flags.fallback) {
    fallbackModels = isNone(flags.fallback) ? [] : flags.fallback.map((f) => ref(f, '--fallback'));
    useFallback = true;
  }
  const secondaryModels = flags.secondary
    ? isNone(flags.secondary)
      ? []
      : flags.secondary.map((s) => ref(s, '--secondary'))
    : (current?.secondaryModels ?? []);

  return {
    name,
    description: flags.description === undefined ? (current?.description ?? null) : flags.description || null,
    model,
    fallbackModels,
    useFallback,
    secondaryModels,
    routing: await routingFrom(ctx, scope, store, flags, current?.routing ?? null),
    capacity: flags.limit ? parseLimits(flags.limit) : (current?.capacity ?? []),
    enforceCapacity: flags.enforceCapacity ?? current?.enforceCapacity ?? false,
  };
}

const isNone = (values: string[]) => values.length === 1 && values[0] === 'none';

/** `connection/model`: the connection is the text before the first '/', the model may contain more. */
function modelRef(scope: EnvironmentScope, store: Store, text: string, flag: string): ModelRef {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) {
    throw new UsageError(`invalid ${flag} '${text}': expected <connection>/<model>, e.g. oa/gpt-4o-mini`);
  }
  const connection = findConnection(scope, store, text.slice(0, slash));
  return { connectionId: connection.id, model: text.slice(slash + 1) };
}

async function routingFrom(
  ctx: CliContext,
  scope: EnvironmentScope,
  store: Store,
  flags: ResourceFlags,
  current: Routing | null,
): Promise<Routing | null> {
  if (flags.route && flags.routingFile) throw new UsageError('give routing one way: --route or --routing-file');
  let input: RoutingInput | undefined;
  if (flags.route) {
    input = isNone(flags.route) ? { enabled: true, conditions: [] } : { enabled: true, conditions: flags.route.map((r) => parseRule(r)) };
  } else if (flags.routingFile) {
    input = parseRoutingDocument(await readJsonFile(ctx, flags.routingFile), `--routing-file ${flags.routingFile}`);
  }
  if (!input) return current;
  const resolver: ConnectionResolver = (nameOrId) => store.connections.find(scope.environment.id, nameOrId);
  const routing = resolveRouting(input, resolver);
  // No groups means no routing: stored as null, so `show` prints the same whichever way it was cleared.
  return routing.conditions.length === 0 ? null : routing;
}

async function readJsonFile(ctx: CliContext, path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await readAll(ctx.deps.stdin) : readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`invalid --routing-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`invalid --routing-file: ${path} is not JSON (${(error as Error).message})`);
  }
}
