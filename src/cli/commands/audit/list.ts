import type { AuditFilter } from '../../../store/repos/audit.js';
import { UsageError } from '../../../errors.js';
import { historyConnectionId, historyKeyId } from '../../lookup.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, flag, text, toggle } from '../../verb.js';
import { parseStatusFilter } from './status-filter.js';
import { formatMs, formatTime, parsePast } from '../usage/window.js';
import { auditJson } from './view.js';

export const verb = defineVerb({
  flags: {
    since: flag('--since <when>', 'how far back: a duration (1h, 7d) or a date', (z) => z.string(), {
      default: '24h',
    }),
    until: text('--until <when>', 'only requests before then: a duration back from now (1h) or a date'),
    status: text('--status <code>', "only requests answered with this status: 429, 4xx, 5xx, '>=400' or 500-599"),
    errors: toggle('--errors', 'only failed requests, and those answered after a failed attempt (a fallback)'),
    resource: flag('--resource <name>', 'only requests for this resource', (z) => z.string().check(z.minLength(1))),
    key: flag('--key <name|id>', 'only requests made with this API key (a revoked key by its id)', (z) =>
      z.string().check(z.minLength(1)),
    ),
    connection: flag('--connection <name|id>', 'only requests with an attempt on this connection', (z) =>
      z.string().check(z.minLength(1)),
    ),
    model: flag('--model <model>', "only requests with an attempt on this provider model (e.g. 'gpt-4o-mini')", (z) =>
      z.string().check(z.minLength(1)),
    ),
    correlationId: flag('--correlation-id <id>', 'only requests with this correlation id', (z) =>
      z.string().check(z.minLength(1)),
    ),
    limit: flag(
      '--limit <count>',
      'at most this many rows',
      (z) => z.coerce.number().check(z.int('must be a whole number'), z.gte(1), z.lte(10_000)),
      { default: 50 },
    ),
  },
  async run(input, ctx) {
    const now = Date.now();
    const since = parsePast(input.since, '--since', now);
    const filter: AuditFilter = { environmentId: '', since, limit: input.limit };
    if (input.until !== undefined) {
      filter.until = parsePast(input.until, '--until', now);
      if (filter.until <= since) throw new UsageError(`invalid --until '${input.until}': not after --since`);
    }
    if (input.status !== undefined) {
      const { from, to } = parseStatusFilter(input.status);
      Object.assign(filter, from === to ? { status: from } : { statusFrom: from, statusTo: to });
    }
    if (input.errors) filter.errors = true;
    if (input.model !== undefined) filter.model = input.model;
    if (input.correlationId !== undefined) filter.correlationId = input.correlationId;
    const scope = await resolveEnvironment(ctx, 'read');
    filter.environmentId = scope.environment.id;
    const store = await ctx.store();
    // Records keep the resource's name as requested; an id given here is translated to that name.
    if (input.resource !== undefined)
      filter.resource = (await store.resources.find(scope.environment.id, input.resource))?.name ?? input.resource;
    if (input.key !== undefined) filter.keyId = await historyKeyId(scope, store, input.key);
    if (input.connection !== undefined) filter.connectionId = await historyConnectionId(scope, store, input.connection);
    const records = await store.audit.list(filter);
    if (ctx.out.json) return ctx.out.writeJson(records.map(auditJson));
    ctx.out.list(
      records,
      [
        { header: 'TIME', value: (r) => formatTime(r.at) },
        { header: 'REQUEST ID', value: (r) => r.requestId },
        { header: 'STATUS', value: (r) => r.status },
        { header: 'RESOURCE', value: (r) => r.resource },
        { header: 'ROUTE', value: (r) => (r.stream ? `${r.route} (stream)` : r.route) },
        { header: 'DURATION', value: (r) => formatMs(r.durationMs) },
        { header: 'ERROR', value: (r) => (r.error && r.error.length > 60 ? `${r.error.slice(0, 59)}…` : r.error) },
      ],
      `no requests since ${formatTime(since)} in ${scope.workspace.name}/${scope.environment.name}`,
    );
  },
});
