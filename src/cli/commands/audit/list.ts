import { z } from 'zod';
import type { AuditFilter } from '../../../store/repos/audit.js';
import { parseInput } from '../../input.js';
import { historyKeyId } from '../../lookup.js';
import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';
import { formatMs, formatTime, parsePast } from '../usage/window.js';
import { auditJson } from './view.js';

export const run: VerbRun = async (ctx, _args, flags) => {
  const input = parseInput(
    z.object({
      since: z.string(),
      status: z.coerce.number().int('must be an HTTP status code').min(100).max(599).optional(),
      resource: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      correlationId: z.string().min(1).optional(),
      limit: z.coerce.number().int('must be a whole number').min(1).max(10_000),
    }),
    flags,
  );
  const since = parsePast(input.since, '--since');
  const scope = await resolveEnvironment(ctx, 'read');
  const store = await ctx.store();
  const filter: AuditFilter = { environmentId: scope.environment.id, since, limit: input.limit };
  if (input.status !== undefined) filter.status = input.status;
  // Records keep the resource's name as requested; an id given here is translated to that name.
  if (input.resource !== undefined)
    filter.resource = store.resources.find(scope.environment.id, input.resource)?.name ?? input.resource;
  if (input.key !== undefined) filter.keyId = historyKeyId(scope, store, input.key);
  if (input.correlationId !== undefined) filter.correlationId = input.correlationId;
  const records = store.audit.list(filter);
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
};
