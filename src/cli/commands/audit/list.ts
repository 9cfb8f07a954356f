import type { AuditFilter } from '../../../store/repos/audit.js';
import { historyKeyId } from '../../lookup.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, flag } from '../../verb.js';
import { formatMs, formatTime, parsePast } from '../usage/window.js';
import { auditJson } from './view.js';

export const verb = defineVerb({
  flags: {
    since: flag('--since <when>', 'how far back: a duration (1h, 7d) or a date', (z) => z.string(), {
      default: '24h',
    }),
    status: flag('--status <code>', 'only requests answered with this HTTP status', (z) =>
      z.coerce.number().check(z.int('must be an HTTP status code'), z.gte(100), z.lte(599)),
    ),
    resource: flag('--resource <name>', 'only requests for this resource', (z) => z.string().check(z.minLength(1))),
    key: flag('--key <name|id>', 'only requests made with this API key (a revoked key by its id)', (z) =>
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
    const since = parsePast(input.since, '--since');
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const filter: AuditFilter = { environmentId: scope.environment.id, since, limit: input.limit };
    if (input.status !== undefined) filter.status = input.status;
    // Records keep the resource's name as requested; an id given here is translated to that name.
    if (input.resource !== undefined)
      filter.resource = (await store.resources.find(scope.environment.id, input.resource))?.name ?? input.resource;
    if (input.key !== undefined) filter.keyId = await historyKeyId(scope, store, input.key);
    if (input.correlationId !== undefined) filter.correlationId = input.correlationId;
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
