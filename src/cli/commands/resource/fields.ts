import { readFileSync } from 'node:fs';
import { UsageError } from '../../../errors.js';
import { parseLimits } from '../../../gateway/capacity/limits.js';
import { NotFoundError } from '../../../errors.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { Resource, ResourceFields } from '../../../store/repos/resources.js';
import {
  parseRoutingDocument,
  parseRule,
  resolveRouting,
  type ConnectionResolver,
  type ModelRef,
  type Routing,
  type RoutingInput,
} from '../../../gateway/routing/index.js';
import type { CliContext } from '../../context.js';
import { readAll } from '../../io/stdin.js';
import { notFoundIn } from '../../lookup.js';
import type { EnvironmentScope } from '../../scope.js';
import type { ResourceFlags } from './flags.js';

/** The flags with `--route`/`--routing-file` parsed (the file read): all {@link buildResourceFields} needs. */
export interface ResourceInput extends Omit<ResourceFlags, 'route' | 'routingFile'> {
  /** New routing, unresolved; undefined keeps the current one. */
  routing?: RoutingInput;
}

/**
 * Reads and parses what the flags point at (a routing file, stdin). Done before an edit's transaction,
 * which holds the write lock: no waiting on a file or a pipe inside it.
 */
export async function readResourceInput(ctx: CliContext, flags: ResourceFlags): Promise<ResourceInput> {
  const { route, routingFile, ...rest } = flags;
  if (route && routingFile) throw new UsageError('give routing one way: --route or --routing-file');
  let routing: RoutingInput | undefined;
  if (route) {
    routing = isNone(route)
      ? { enabled: true, conditions: [] }
      : { enabled: true, conditions: route.map((r) => parseRule(r)) };
  } else if (routingFile) {
    routing = parseRoutingDocument(await readJsonFile(ctx, routingFile), `--routing-file ${routingFile}`);
  }
  return { ...rest, routing };
}

/**
 * The stored fields of a resource from the input, over `current` when updating: only what a flag names
 * changes. Every referenced connection must belong to the resource's environment (else exit 3, naming
 * it). `connections` are the environment's, as read in the same transaction as `current`.
 */
export function buildResourceFields(
  scope: EnvironmentScope,
  connections: readonly Connection[],
  name: string,
  input: ResourceInput,
  current?: Resource,
): ResourceFields {
  const ref = (text: string, flag: string) => modelRef(scope, connections, text, flag);
  const model = input.model !== undefined ? ref(input.model, '--model') : current?.model;
  if (!model) throw new UsageError('missing required flag --model <connection/model>');

  let fallbackModels = current?.fallbackModels ?? [];
  let useFallback = current?.useFallback ?? true;
  if (input.fallback === false) useFallback = false;
  else if (input.fallback) {
    fallbackModels = isNone(input.fallback) ? [] : input.fallback.map((f) => ref(f, '--fallback'));
    useFallback = true;
  }
  const secondaryModels = input.secondary
    ? isNone(input.secondary)
      ? []
      : input.secondary.map((s) => ref(s, '--secondary'))
    : (current?.secondaryModels ?? []);

  return {
    name,
    description: input.description === undefined ? (current?.description ?? null) : input.description || null,
    model,
    fallbackModels,
    useFallback,
    secondaryModels,
    routing: input.routing ? resolvedRouting(connections, input.routing) : (current?.routing ?? null),
    capacity: input.limit ? parseLimits(input.limit) : (current?.capacity ?? []),
    enforceCapacity: input.enforceCapacity ?? current?.enforceCapacity ?? false,
  };
}

const isNone = (values: string[]) => values.length === 1 && values[0] === 'none';

/** `connection/model`: the connection is the text before the first '/', the model may contain more. */
function modelRef(scope: EnvironmentScope, connections: readonly Connection[], text: string, flag: string): ModelRef {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) {
    throw new UsageError(`invalid ${flag} '${text}': expected <connection>/<model>, e.g. oa/gpt-4o-mini`);
  }
  const name = text.slice(0, slash);
  const connection = connectionIn(connections, name) ?? notFoundIn(scope, 'connection', name);
  return { connectionId: connection.id, model: text.slice(slash + 1) };
}

/** A connection by id or by name, the id first (as the repository finds one). */
const connectionIn = (connections: readonly Connection[], ref: string): Connection | undefined =>
  connections.find((c) => c.id === ref) ?? connections.find((c) => c.name === ref);

function resolvedRouting(connections: readonly Connection[], input: RoutingInput): Routing | null {
  const resolver: ConnectionResolver = (nameOrId) => connectionIn(connections, nameOrId);
  const routing = resolveRouting(input, resolver);
  // No groups means no routing: stored as null, so `show` prints the same whichever way it was cleared.
  return routing.conditions.length === 0 ? null : routing;
}

async function readJsonFile(ctx: CliContext, path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await readAll(ctx.deps.stdin) : readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `invalid --routing-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`invalid --routing-file: ${path} is not JSON (${(error as Error).message})`);
  }
}
