import type { Logger } from 'pino';
import type { CompletionDeps } from '../pipeline/respond/completion.js';
import type { ConfigCache } from '../config-cache.js';
import type { ExchangeRecorder } from '../pipeline/record/exchange-recorder.js';
import type { RoutingHooks } from '../pipeline/route.js';

/** What the completion routes share: configuration, providers, recording, routing hooks. */
export interface GatewayContext {
  config: ConfigCache;
  recorder: ExchangeRecorder;
  routing: RoutingHooks;
  completion: CompletionDeps;
  logger: Logger;
}
