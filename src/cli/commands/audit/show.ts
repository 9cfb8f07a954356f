import { NotFoundError } from '../../../errors.js';
import type { UsageRecord } from '../../../store/repos/usage.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { formatMs, formatTime } from '../usage/window.js';
import { auditJson } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const requestId = await required(ctx, ref, '<request-id>', 'Request id');
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const record = await store.audit.get(requestId);
    // Another environment's request is as invisible here as one that never happened. A request that
    // named no existing environment (a 404 on the path) belongs to none, and shows from anywhere.
    if (!record || (record.environmentId !== null && record.environmentId !== scope.environment.id)) {
      throw new NotFoundError(
        `request '${requestId}' not found in environment '${scope.workspace.name}/${scope.environment.name}'`,
      );
    }
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
