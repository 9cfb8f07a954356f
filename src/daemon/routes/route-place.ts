import type { RoutePlace } from '../pipeline/auth.js';

/** The full routes name the workspace and environment; the short routes (`/v1/chat/completions` …) take both from the key. */
export const FULL_PREFIX = '/v1/completion/:workspace/:environment';

export type PlaceParams = Partial<{ workspace: string; environment: string }>;

/** The workspace/environment of a full route; none on a short route. */
export const placeOf = (params: PlaceParams): RoutePlace =>
  params.workspace !== undefined && params.environment !== undefined
    ? { workspace: params.workspace, environment: params.environment }
    : undefined;
