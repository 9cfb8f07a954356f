import type { AuditRecord } from '../../src/store/repos/audit.js';
import type { UsageRecord } from '../../src/store/repos/usage.js';

/** A usage row as the daemon writes it: a successful, final, non-stream chat attempt, unless `fields` say otherwise. */
export const usageRow = (
  fields: Partial<UsageRecord> & Pick<UsageRecord, 'requestId' | 'at' | 'environmentId'>,
): UsageRecord => ({
  attempt: 0,
  workspaceId: 'w',
  keyId: null,
  resourceId: null,
  resource: 'chat',
  connectionId: null,
  provider: 'openai',
  model: 'gpt-4o',
  route: 'chat',
  stream: false,
  status: 200,
  error: null,
  inputTokens: null,
  outputTokens: null,
  totalTokens: null,
  cachedTokens: null,
  cacheWriteTokens: null,
  durationMs: 90,
  providerMs: 80,
  ttftMs: null,
  gateMs: 1,
  correlationId: null,
  final: true,
  costNano: 0,
  ...fields,
});

/** An audit row: a 200 on the chat route without bodies, unless `fields` say otherwise. */
export const auditRow = (fields: Partial<AuditRecord> & Pick<AuditRecord, 'requestId' | 'at'>): AuditRecord => ({
  workspaceId: 'w',
  environmentId: null,
  keyId: null,
  resource: 'chat',
  route: 'chat',
  stream: false,
  status: 200,
  error: null,
  events: [],
  timings: {},
  requestBody: null,
  responseBody: null,
  correlationId: null,
  durationMs: 100,
  ...fields,
});
