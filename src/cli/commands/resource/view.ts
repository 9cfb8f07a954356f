import { formatLimits } from '../../../gateway/capacity/limits.js';
import type { Output } from '../../io/output.js';
import type { Connection } from '../../../store/repos/connections.js';
import type { Resource } from '../../../store/repos/resources.js';
import { formatRule, type ModelRef, type RouteGroup, type Routing } from '../../../gateway/routing/index.js';

/**
 * A resource as printed. Model references carry the connection's name and provider next to its id, so
 * the JSON reads well and feeds back into `--routing-file` unchanged (names and ids agree).
 */
export function resourceView(resource: Resource, connections: Connection[]) {
  const byId = new Map(connections.map((c) => [c.id, c]));
  const ref = (model: ModelRef) => {
    const connection = byId.get(model.connectionId);
    return {
      connection: connection?.name ?? null,
      connectionId: model.connectionId,
      provider: connection?.provider ?? null,
      model: model.model,
    };
  };
  const nameOf = (id: string) => byId.get(id)?.name;
  return {
    ...resource,
    model: ref(resource.model),
    fallbackModels: resource.fallbackModels.map(ref),
    secondaryModels: resource.secondaryModels.map(ref),
    routing: resource.routing && displayRouting(resource.routing, ref),
    routes: resource.routing ? routeLines(resource.routing, nameOf) : [],
    limits: formatLimits(resource.capacity),
  };
}

/** `connection/model`, for tables and human output. */
export const modelLabel = (model: { connection: string | null; connectionId: string; model: string }) =>
  `${model.connection ?? model.connectionId}/${model.model}`;

function displayRouting(routing: Routing, ref: (model: ModelRef) => object) {
  return {
    ...routing,
    conditions: routing.conditions.map((group) =>
      group.then
        ? {
            ...group,
            then: { ...ref(group.then), ...(group.then.traffic !== undefined && { traffic: group.then.traffic }) },
          }
        : group,
    ),
  };
}

function routeLines(routing: Routing, nameOf: (id: string) => string | undefined): string[] {
  const off = routing.enabled ? '' : ' (routing disabled)';
  return routing.conditions.map(
    (group: RouteGroup) => `${formatRule(group, nameOf)}${group.enabled === false ? ' (disabled)' : ''}${off}`,
  );
}

/** The full view for --json; for people, the model chain as `connection/model` and the rules as one-liners. */
export function printResource(out: Output, view: ReturnType<typeof resourceView>): void {
  if (out.json) return out.writeJson(view);
  const fallbacks = view.fallbackModels.map(modelLabel);
  out.object({
    id: view.id,
    name: view.name,
    description: view.description,
    model: modelLabel(view.model),
    fallback: view.useFallback ? fallbacks : `off (${fallbacks.join(', ') || 'none'})`,
    secondary: view.secondaryModels.map(modelLabel),
    routes: view.routes,
    limits: view.limits,
    enforceCapacity: view.enforceCapacity,
    updatedAt: view.updatedAt,
  });
}
