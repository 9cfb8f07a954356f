import type { InboundSpec } from './dialect.js';
import { dialects, type Dialect } from './index.js';

export type { InboundSpec };

/** The dialects clients speak to the gateway: those whose folder gives an inbound spec. */
export type InboundDialect = {
  [K in Dialect]: (typeof dialects)[K] extends { inbound: InboundSpec } ? K : never;
}[Dialect];

/** The route names: `chat`, `responses`, `messages`. */
export type RouteName = (typeof dialects)[InboundDialect]['inbound']['route'];

export const inboundSpec = (dialect: InboundDialect): InboundSpec => dialects[dialect].inbound;

/** The inbound dialect of a route name (`vmx resource explain --route chat`). */
export function dialectOfRoute(route: string): InboundDialect | undefined {
  for (const [id, spec] of Object.entries(dialects) as Array<[Dialect, (typeof dialects)[Dialect]]>) {
    if ('inbound' in spec && spec.inbound.route === route) return id as InboundDialect;
  }
  return undefined;
}
