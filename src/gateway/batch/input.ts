/**
 * A batch's input, one request per line (JSONL), in either shape:
 * - OpenAI's Batch API: `{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {…}}`
 * - vmx's: `{"resource": "chat", "request": {…}, "route"?: "chat" | "responses" | "messages"}`
 * A line that cannot be run becomes a failed item naming its line; it never fails the batch.
 */

export type BatchRoute = 'chat' | 'responses' | 'messages';

/** One item as read: what to send, or why it cannot be sent. */
export interface BatchInputItem {
  /** 1-based line of the file; null for items given as a JSON array. */
  line: number | null;
  customId: string | null;
  route: BatchRoute;
  /** The resource the request names (its `model`). */
  resource: string;
  request: Record<string, unknown>;
  /** Set when the item cannot run: it is recorded as failed with this error. */
  error?: { code: 'invalid_request'; message: string };
}

/** The most items one batch may hold (as OpenAI's Batch API). */
export const MAX_BATCH_ITEMS = 50_000;

const ROUTES: Record<string, BatchRoute> = {
  '/v1/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/v1/messages': 'messages',
};

/** The endpoints a batch's items may call (OpenAI's `endpoint`, a line's `url`). */
export const BATCH_ENDPOINTS = Object.keys(ROUTES);

/** The route of an OpenAI batch `endpoint` / line `url`, or undefined when vmx does not serve it. */
export const routeOfEndpoint = (endpoint: string): BatchRoute | undefined => ROUTES[endpoint];

/**
 * The endpoint a batch records: the one its runnable items call, or vmx's batch route when they call
 * several (each item keeps its own route).
 */
export function endpointOfItems(items: readonly { route: BatchRoute; error?: unknown }[]): string {
  const routes = new Set(items.filter((item) => !item.error).map((item) => item.route));
  if (routes.size > 1) return '/v1/completion-batch';
  const route = [...routes][0] ?? 'chat';
  return BATCH_ENDPOINTS.find((endpoint) => ROUTES[endpoint] === route)!;
}

export interface ParseOptions {
  /** The route of lines that name none (a vmx line without `route`); default chat. */
  route?: BatchRoute;
  /** The resource of lines whose request names no model. */
  resource?: string;
}

/** Every non-blank line of `text` as an item (blank lines are skipped, not counted as items). */
export function parseBatchLines(text: string, options: ParseOptions = {}): BatchInputItem[] {
  const items: BatchInputItem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      items.push(failedItem(i + 1, null, `line ${i + 1} is not valid JSON`, options));
      continue;
    }
    items.push(readItem(value, i + 1, options));
  }
  return items;
}

/** One item from a parsed value (a line, or an element of a JSON array of items). */
export function readItem(value: unknown, line: number | null, options: ParseOptions = {}): BatchInputItem {
  const where = line === null ? 'item' : `line ${line}`;
  if (!isObject(value)) return failedItem(line, null, `${where} is not a JSON object`, options);
  const customId = typeof value.custom_id === 'string' ? value.custom_id : null;
  if ('body' in value || 'url' in value) return openAIItem(value, line, customId, where, options);
  if (!isObject(value.request)) return failedItem(line, customId, `${where}: request must be a JSON object`, options);
  const route = value.route === undefined ? (options.route ?? 'chat') : ROUTES[`/v1/${routePath(value.route)}`];
  if (!route) return failedItem(line, customId, `${where}: route must be chat, responses or messages`, options);
  const resource = typeof value.resource === 'string' ? value.resource : (modelOf(value.request) ?? options.resource);
  if (!resource)
    return failedItem(line, customId, `${where}: name the resource (resource, or the request's model)`, options);
  return { line, customId, route, resource, request: { ...value.request, model: resource } };
}

function openAIItem(
  value: Record<string, unknown>,
  line: number | null,
  customId: string | null,
  where: string,
  options: ParseOptions,
): BatchInputItem {
  if (value.method !== undefined && value.method !== 'POST')
    return failedItem(line, customId, `${where}: method must be POST`, options);
  const route = typeof value.url === 'string' ? ROUTES[value.url] : options.route;
  if (!route)
    return failedItem(
      line,
      customId,
      `${where}: url must be /v1/chat/completions, /v1/responses or /v1/messages`,
      options,
    );
  if (!isObject(value.body)) return failedItem(line, customId, `${where}: body must be a JSON object`, options);
  const resource = modelOf(value.body) ?? options.resource;
  if (!resource) return failedItem(line, customId, `${where}: body.model must name a resource`, options);
  return { line, customId, route, resource, request: { ...value.body, model: resource } };
}

function failedItem(
  line: number | null,
  customId: string | null,
  message: string,
  options: ParseOptions,
): BatchInputItem {
  return {
    line,
    customId,
    route: options.route ?? 'chat',
    resource: options.resource ?? '',
    request: {},
    error: { code: 'invalid_request', message },
  };
}

const routePath = (route: unknown) => (route === 'chat' ? 'chat/completions' : String(route));
const modelOf = (body: Record<string, unknown>) =>
  typeof body.model === 'string' && body.model ? body.model : undefined;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
