import { NotFoundError, UsageError } from '../../../errors.js';
import type { Repositories } from '../../../store/backend.js';
import { PREFIX_CANDIDATES, type AuditRecord } from '../../../store/repos/audit.js';
import type { UsageRecord } from '../../../store/repos/usage.js';
import { required } from '../../prompts.js';
import { resolveEnvironment, type EnvironmentScope } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { formatMs, formatTime } from '../usage/window.js';
import { auditJson } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const given = (await required(ctx, ref, '<request-id>', 'Request id')).trim();
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const record = await findRequest(scope, store, given);
    const requestId = record.requestId;
    const usage = (await store.usage.forRequest(requestId)).filter((u) => u.environmentId === record.environmentId);
    if (ctx.out.json) return ctx.out.writeJson({ ...auditJson(record), usage });

    const keyName = record.keyId
      ? ((await store.apiKeys.find(scope.environment.id, record.keyId))?.name ?? '(removed)')
      : null;
    const connections = new Map((await store.connections.list(scope.environment.id)).map((c) => [c.id, c.name]));
    ctx.out.object({
      requestId: record.requestId,
      time: `${formatTime(record.at)} (${new Date(record.at).toISOString()})`,
      status: record.status,
      resource: record.resource,
      route: record.stream ? `${record.route} (stream)` : record.route,
      key: record.keyId ? `${keyName} (${record.keyId})` : null,
      correlationId: record.correlationId,
      duration: formatMs(record.durationMs),
      error: record.error,
    });
    section(
      ctx.out.message.bind(ctx.out),
      'timings',
      Object.entries(record.timings ?? {}).map(([k, v]) => `${k}: ${v ?? '-'}`),
    );
    section(
      ctx.out.message.bind(ctx.out),
      'events',
      (record.events ?? []).map((e) => JSON.stringify(e)),
    );
    section(ctx.out.message.bind(ctx.out), 'request body', record.requestBody === null ? [] : [record.requestBody]);
    section(ctx.out.message.bind(ctx.out), 'response body', record.responseBody === null ? [] : [record.responseBody]);
    ctx.out.message('\nattempts:');
    ctx.out.list<UsageRecord>(
      usage,
      [
        { header: '#', value: (u) => u.attempt },
        {
          header: 'CONNECTION',
          value: (u) => (u.connectionId ? (connections.get(u.connectionId) ?? u.connectionId) : null),
        },
        { header: 'PROVIDER', value: (u) => u.provider },
        { header: 'MODEL', value: (u) => u.model },
        { header: 'STATUS', value: (u) => u.status },
        { header: 'IN', value: (u) => u.inputTokens },
        { header: 'OUT', value: (u) => u.outputTokens },
        {
          header: 'COST',
          value: (u) =>
            u.costNano === null ? 'unknown' : u.costNano === 0 ? '$0' : `$${(u.costNano / 1e9).toPrecision(3)}`,
        },
        { header: 'PROVIDER TIME', value: (u) => formatMs(u.providerMs) },
        { header: 'DURATION', value: (u) => formatMs(u.durationMs) },
        { header: 'TTFT', value: (u) => formatMs(u.ttftMs) },
        { header: 'ERROR', value: (u) => u.error },
      ],
      '  no provider attempts (answered or refused by vmx itself)',
    );
  },
});

function section(print: (text: string) => void, title: string, lines: string[]): void {
  print(`\n${title}:`);
  if (lines.length === 0) return print('  -');
  for (const line of lines)
    print(
      line
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
}

const MIN_PREFIX = 4;

/**
 * The request a full id or a unique id prefix (at least MIN_PREFIX characters) names. Another
 * environment's request is as invisible here as one that never happened; a request that named no
 * existing environment (a 404 on the path) belongs to none, and shows from anywhere.
 */
async function findRequest(scope: EnvironmentScope, store: Repositories, given: string): Promise<AuditRecord> {
  const visible = (record: AuditRecord | undefined) =>
    record && (record.environmentId === null || record.environmentId === scope.environment.id) ? record : undefined;
  const notFound = () =>
    new NotFoundError(
      `request '${given}' not found in environment '${scope.workspace.name}/${scope.environment.name}'`,
    );
  const exact = await store.audit.get(given);
  if (exact) {
    if (visible(exact)) return exact;
    throw notFound();
  }
  if (given.length < MIN_PREFIX)
    throw new UsageError(
      `request id '${given}' is too short: give the id or at least ${MIN_PREFIX} of its first characters`,
    );
  const ids = await store.audit.withPrefix(scope.environment.id, given.toLowerCase());
  if (ids.length === 0) throw notFound();
  if (ids.length > 1) {
    const many = ids.length > PREFIX_CANDIDATES;
    // The candidates are in the message itself, so that --json (which carries no hint) has them too.
    throw new UsageError(
      `request id prefix '${given}' is ambiguous: it matches ${many ? `more than ${PREFIX_CANDIDATES}` : ids.length} requests: ` +
        `${ids.slice(0, PREFIX_CANDIDATES).join(', ')}${many ? ', …' : ''}`,
      'give more of the id',
    );
  }
  const found = visible(await store.audit.get(ids[0]!));
  if (!found) throw notFound();
  return found;
}
