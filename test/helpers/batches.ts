import type { Capacity } from '../../src/gateway/capacity/limits.js';
import type { BatchItemOutcome, NewBatch, NewBatchItem } from '../../src/store/repos/batches.js';

/** A batch as `vmx batch create` makes one: no key, async, its own limits if given. */
export const cliBatch = (environmentId: string, capacity: Capacity[] = []): NewBatch => ({
  environmentId,
  keyId: null,
  createdBy: 'alice',
  source: 'cli',
  type: 'async',
  endpoint: '/v1/chat/completions',
  capacity,
  callback: null,
});

/** `count` chat requests to resource `chat`, custom ids q0, q1, …, asking "question n". */
export const chatItems = (count: number): NewBatchItem[] =>
  Array.from({ length: count }, (_, n) => ({
    route: 'chat' as const,
    resource: 'chat',
    customId: `q${n}`,
    request: { model: 'chat', messages: [{ role: 'user', content: `question ${n}` }] },
  }));

/** What a runner saves for an item the provider answered (fields to change given). */
export const answered = (fields: Partial<BatchItemOutcome> = {}): BatchItemOutcome => ({
  status: 'completed',
  requestId: 'req-1',
  statusCode: 200,
  response: { id: 'chatcmpl-1', choices: [] },
  error: null,
  inputTokens: 10,
  outputTokens: 4,
  ...fields,
});
