import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Cancel } from '../../providers/cancel.js';
import type { ModelRef } from '../../gateway/routing/index.js';
import type { Resource } from '../../store/repos/resources.js';
import type { ConfigSnapshot } from '../config-cache.js';
import type { Gateway } from '../gateway.js';
import { ClientGone } from './attempts.js';
import { authenticate, resolveEnvironmentConfig, type Caller, type RoutePlace } from './auth.js';
import { Exchange } from './exchange.js';
import { callerLimits } from './limit-sets.js';
import { readInboundBody, type InboundBody, type InboundDialect } from './request-body.js';
import { resolveResource, secondaryModel } from './resolve.js';
import { serveCompletion } from './respond/completion.js';
import { sendError } from './respond/send-error.js';
import { route } from './route.js';

/** A completion request as a route hands it over (the route has taken the response from fastify). */
export interface CompletionRequest {
  dialect: InboundDialect;
  /** The workspace and environment of a full route; none on a short route (the key names them). */
  place: RoutePlace;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The body as sent, for the audit row (serialised from `body` when absent). */
  bodyText?: string;
  raw: ServerResponse;
  /**
   * Who calls, when the daemon itself makes the request on someone's behalf (a batch item runs as the
   * key that created the batch): no credential is read from the headers.
   */
  caller?: Caller;
  /** Capacity the caller reserved for this request (see Exchange.reserved). */
  reserved?: Exchange['reserved'];
}

/**
 * One completion request, as DESIGN.md's numbered steps: (1) authenticate, (2) read the body,
 * (3) resolve the resource, (4) plan the attempt chain, (5) run the attempts through the capacity gate,
 * (6) respond in the client's dialect, (7) record — always, whatever happened. Steps 1–3 read the
 * configuration in memory, once more after a change check when something is not known yet.
 */
export async function handleCompletion(gateway: Gateway, request: CompletionRequest): Promise<void> {
  const exchange = new Exchange(request.dialect);
  exchange.reserved = request.reserved;
  gateway.recorder.start();
  const cancel = cancelWhenClientLeaves(request.raw);
  try {
    exchange.requestBody = request.body;
    exchange.requestText = request.bodyText || undefined;
    // The embedded store answers at once; a shared one may ask the database first.
    const known = gateway.config.fresh((snapshot) => identify(snapshot, exchange, request));
    const { caller, inbound, resource } = known instanceof Promise ? await known : known;
    exchange.limits.push(...callerLimits(caller.key, resource));
    const chain = planChain(gateway, exchange, caller, resource, inbound);
    await serveCompletion(gateway.completion, exchange, inbound, chain, request.raw, cancel);
  } catch (error) {
    if (error instanceof ClientGone || cancel.aborted) {
      exchange.status = 499;
      exchange.error = 'the client closed the connection';
      if (!request.raw.destroyed) request.raw.destroy();
    } else {
      sendError(gateway.logger, exchange, request.raw, error);
    }
  } finally {
    // Refused before any attempt (a bad body, an unknown resource): what was reserved is given back.
    if (exchange.reserved) void gateway.completion.gate.release(exchange.reserved.admission);
    gateway.recorder.finish(exchange);
  }
}

/** A client that disconnects before the response is complete aborts the upstream request. */
function cancelWhenClientLeaves(raw: ServerResponse): Cancel {
  const cancel = new Cancel();
  raw.once('close', () => {
    if (!raw.writableFinished) cancel.abort();
  });
  return cancel;
}

/** Steps 1–3: who calls (the key, the environment), what they sent, which resource it names. */
function identify(snapshot: ConfigSnapshot, exchange: Exchange, request: CompletionRequest) {
  const { place } = request;
  exchange.env = place && resolveEnvironmentConfig(snapshot, place.workspace, place.environment);
  const caller =
    request.caller ??
    authenticate(snapshot, exchange.env, request.headers, undefined, (known) => {
      // A disabled or expired key of this environment: its 401 is recorded under the key and environment.
      exchange.env = known.env;
      exchange.key = known.key;
    });
  exchange.env = caller.env;
  exchange.key = caller.key;
  const inbound = readInboundBody(request.dialect, request.body);
  exchange.stream = inbound.stream;
  exchange.correlationId = inbound.vmx.correlationId;
  exchange.resource = inbound.model;
  const { resource } = resolveResource(caller.env, caller.key, inbound.model, inbound.vmx);
  exchange.resourceId = resource.id || null;
  return { caller, inbound, resource };
}

/** Step 4: a secondary model chosen by the request, else the plan of the resource's rules and fallbacks. */
function planChain(
  gateway: Gateway,
  exchange: Exchange,
  caller: Caller,
  resource: Resource,
  inbound: InboundBody,
): ModelRef[] {
  const started = performance.now();
  try {
    if (inbound.vmx.secondaryModelIndex !== undefined)
      return [secondaryModel(resource, inbound.vmx.secondaryModelIndex)];
    const decision = route(caller.env, resource, inbound.body, exchange.dialect, gateway.routing, () =>
      exchange.estimateInput(),
    );
    if (decision.event) exchange.events.push(decision.event);
    return decision.chain;
  } finally {
    exchange.timings.routingMs = performance.now() - started;
  }
}
