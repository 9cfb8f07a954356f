import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configure } from './configure.js';
import {
  configureEstimated,
  footprint,
  footprintReport,
  FOOTPRINT_SIDES,
  type FootprintSide,
  type FootprintSideName,
} from './footprint.js';
import {
  cpuPerRequest,
  preflight,
  sequential,
  throughput,
  type Percentiles,
  type SequentialSide,
  type Target,
  type ThroughputSide,
} from './measure.js';
import {
  cpuMicros,
  killChildren,
  mainThreadCpuMicros,
  rssMb,
  startDaemon,
  startFloorProxy,
  startUpstream,
  stopChild,
} from './processes.js';
import { sharedStore, type SharedStore } from './shared.js';

/**
 * vmx benchmark: the overhead the daemon adds in front of an OpenAI-compatible upstream.
 * Direct (client → fake upstream) against vmx (client → daemon → the same fake), interleaved in one run.
 * `npm run bench [-- --requests N --duration S --connections C --only nonstream|stream --rounds R --json]`;
 * `npm run bench -- --only footprint [--prompts N]`: the daemon's RSS over N unique prompts (only when asked).
 * Not a test: never run in CI. See bench/README.md.
 */

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
    'cpu-requests': { type: 'string', default: '20000' },
    prompts: { type: 'string', default: '100000' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    // A PostgreSQL server (a URL allowed to create databases) and a Redis: the same daemon measured
    // again on a shared store, in the same run.
    postgres: { type: 'string' },
    redis: { type: 'string' },
  },
  strict: true,
});
const options = {
  requests: positive('requests', args.requests!),
  warmup: positive('warmup', args.warmup!, true),
  duration: positive('duration', args.duration!),
  connections: positive('connections', args.connections!),
  rounds: positive('rounds', args.rounds!),
  cpuRequests: positive('cpu-requests', args['cpu-requests']!),
};
type Mode = 'nonstream' | 'stream' | 'converted' | 'configured';
const allModes: Mode[] = ['nonstream', 'stream', 'converted', 'configured'];
// footprint takes long (100,000 requests per side by default): it runs only when asked for, alone.
const onlyModes = [...allModes, 'footprint'];
if (args.only && !onlyModes.includes(args.only)) fail(`--only must be one of ${onlyModes.join(', ')}`);
const modes = (args.only ? [args.only] : allModes) as Mode[];
const prompts = positive('prompts', args.prompts!);

function positive(name: string, text: string, zeroOk = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) fail(`--${name} must be a positive number, got '${text}'`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

const home = mkdtempSync(join(tmpdir(), 'vmx-bench-'));
const stops: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;
/** Stops the children (daemon first), then removes the data dir; safe to call twice. */
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const stop of stops) await stop();
    rmSync(home, { recursive: true, force: true });
  })());

// Children never outlive the benchmark, whatever ends it.
process.on('exit', () => killChildren('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void cleanup().finally(() => process.exit(130)));
}

interface ModeResult {
  sequential: {
    direct: SequentialSide;
    vmx: SequentialSide;
    added: Percentiles;
    addedTtfb: Percentiles;
    /**
     * The floor proxy in the same interleaved run (nonstream and stream): what the least a Node proxy
     * can do adds over direct on this machine, the hop itself — vmx's `added` includes it.
     */
    floor?: SequentialSide & { added: Percentiles; addedTtfb: Percentiles };
  };
  throughput?: { direct: ThroughputSide; vmx: ThroughputSide; ratio: number };
  /** CPU µs per request of the vmx daemon and of the floor proxy, same load. */
  cpu?: { vmx: number; floor: number; ratio: number; vmxMainThread: number };
}

async function main(): Promise<void> {
  try {
    const upstream = await startUpstream();
    stops.push(() => stopChild(upstream.child));
    log(`fake upstream at ${upstream.url}`);
    if (args.only === 'footprint') return await runFootprint(upstream.url);

    const { key, limitedKey } = await configure(home, upstream.url);

    const daemon = await startDaemon(home);
    stops.unshift(() => stopChild(daemon.child));
    log(`vmx daemon at ${daemon.url} (data dir ${home})`);
    const floor = await startFloorProxy(new URL(upstream.url).origin);
    stops.unshift(() => stopChild(floor.child));
    // The floor proxy's too: what a bare Node process with undici takes, for scale.
    const rss = { idle: rssMb(daemon.child.pid!), end: 0, floorIdle: rssMb(floor.child.pid!), floorEnd: 0 };

    const results: Partial<Record<Mode, ModeResult>> = {};
    for (const mode of modes) {
      const targets = targetsFor(mode, upstream.url, daemon.url, key, limitedKey);
      await preflight(targets);
      if (mode === 'converted' || mode === 'configured') {
        log(`${mode}: ${options.requests} sequential requests per side (after ${options.warmup} warm-up), interleaved`);
        const seq = await sequential(targets, options.requests, options.warmup);
        results[mode] = { sequential: { direct: seq.direct, vmx: seq.vmx, ...addedOver(seq.direct, seq.vmx) } };
        continue;
      }
      const floorTarget: Target = {
        ...targets[0],
        name: 'floor',
        origin: floor.url,
        path: new URL(`${upstream.url}/chat/completions`).pathname,
      };
      await preflight([floorTarget]);
      log(
        `${mode}: ${options.requests} sequential requests per side (after ${options.warmup} warm-up), direct, vmx and the floor proxy interleaved`,
      );
      const seq = await sequential([...targets, floorTarget], options.requests, options.warmup);
      const floorAdded = addedOver(seq.direct, seq.floor);
      const sequentialResult = {
        direct: seq.direct,
        vmx: seq.vmx,
        ...addedOver(seq.direct, seq.vmx),
        floor: { ...seq.floor, added: floorAdded.added, addedTtfb: floorAdded.addedTtfb },
      };
      log(
        `${mode}: throughput, ${options.connections} connections, ${options.rounds} × ${options.duration / options.rounds} s per side`,
      );
      const thr = await throughput(targets, options.connections, options.duration, options.rounds);
      log(
        `${mode}: CPU per request, ${options.cpuRequests} requests at ${options.connections} connections, vmx then the floor proxy`,
      );
      const mainBefore = mainThreadCpuMicros(daemon.child.pid!);
      const vmxCpu = await cpuPerRequest(
        targets[1],
        () => cpuMicros(daemon.child.pid!),
        options.connections,
        options.cpuRequests,
      );
      const vmxMainThread = (mainThreadCpuMicros(daemon.child.pid!) - mainBefore) / options.cpuRequests;
      const floorCpu = await cpuPerRequest(
        floorTarget,
        () => cpuMicros(floor.child.pid!),
        options.connections,
        options.cpuRequests,
      );
      results[mode] = {
        sequential: sequentialResult,
        throughput: { ...thr, ratio: thr.direct.rps ? thr.vmx.rps / thr.direct.rps : 0 },
        cpu: { vmx: vmxCpu, floor: floorCpu, ratio: vmxCpu / floorCpu, vmxMainThread },
      };
    }
    rss.end = rssMb(daemon.child.pid!);
    rss.floorEnd = rssMb(floor.child.pid!);
    const shared = args.postgres ? await measureShared(args.postgres, args.redis, upstream.url) : undefined;

    const environment = environmentInfo();
    if (args.json)
      process.stdout.write(`${JSON.stringify({ environment, options, results, rssMb: rss, shared }, null, 2)}\n`);
    else process.stdout.write(report(environment, results, rss) + sharedReport(results, shared));
  } finally {
    await cleanup();
  }
}

/** What `side` adds over `direct`, per percentile: the whole exchange and the time to first byte. */
const addedOver = (direct: SequentialSide, side: SequentialSide) => ({
  added: minus(side.total, direct.total),
  addedTtfb: minus(side.ttfb, direct.ttfb),
});

const environmentInfo = () => ({
  node: process.version,
  cpus: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
});

/**
 * `--only footprint`: for each side (plain resource, token-limited resource), a fresh daemon on its own
 * data dir, configured the same way, then `--prompts` unique prompts at `--connections`; the daemon is
 * stopped before the next side starts.
 */
async function runFootprint(upstreamUrl: string): Promise<void> {
  const result = {} as Record<FootprintSideName, FootprintSide>;
  for (const side of FOOTPRINT_SIDES) {
    const dir = side.name === 'plain' ? home : mkdtempSync(join(tmpdir(), `vmx-bench-${side.name}-`));
    if (dir !== home) stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const { key } = await configure(dir, upstreamUrl);
    await configureEstimated(dir);
    const daemon = await startDaemon(dir);
    stops.unshift(() => stopChild(daemon.child));
    log(
      `footprint ${side.name}: ${prompts} unique prompts to '${side.resource}' at ${options.connections} connections`,
    );
    const pid = daemon.child.pid!;
    result[side.name] = await footprint(
      { url: daemon.url, pid },
      key,
      side.resource,
      prompts,
      options.connections,
      (m) => log(`footprint ${side.name}: ${m}`),
    );
    await stopChild(daemon.child);
  }
  const environment = environmentInfo();
  const footprintResult = { prompts, connections: options.connections, ...result };
  if (args.json)
    process.stdout.write(
      `${JSON.stringify({ environment, options: { ...options, prompts }, results: { footprint: footprintResult } }, null, 2)}\n`,
    );
  else
    process.stdout.write(
      `\nvmx benchmark: node ${environment.node}, ${environment.cpus} CPUs (${environment.cpu}); load generator, daemon and fake upstream share this machine\n` +
        footprintReport(result, prompts, options.connections, table),
    );
}

interface SharedResult {
  store: string;
  /** Added latency over direct (nonstream), and the cost of rules, fallbacks and three limits (configured), µs. */
  added: Record<'nonstream' | 'configured', Percentiles>;
  /** CPU µs per request of the shared-store daemon: a plain resource, and the configured one with its limits. */
  cpu: Record<'nonstream' | 'configured', number>;
}

/**
 * The same daemon on a shared store (a scratch PostgreSQL database, Redis when given), configured the
 * same way and measured the same way right after the embedded one.
 */
async function measureShared(postgres: string, redis: string | undefined, upstreamUrl: string): Promise<SharedResult> {
  const store: SharedStore = await sharedStore(postgres, redis);
  stops.push(store.drop);
  const sharedHome = mkdtempSync(join(tmpdir(), 'vmx-bench-shared-'));
  stops.push(async () => rmSync(sharedHome, { recursive: true, force: true }));
  const { key, limitedKey } = await configure(sharedHome, upstreamUrl, store.env);
  const daemon = await startDaemon(sharedHome, store.env);
  stops.unshift(() => stopChild(daemon.child));
  log(`vmx daemon on ${store.name} at ${daemon.url}`);
  const result: SharedResult = {
    store: store.name,
    added: {} as SharedResult['added'],
    cpu: {} as SharedResult['cpu'],
  };
  for (const mode of ['nonstream', 'configured'] as const) {
    const targets = targetsFor(mode, upstreamUrl, daemon.url, key, limitedKey);
    await preflight(targets);
    log(`${mode} on ${store.name}: ${options.requests} sequential requests per side, then CPU per request`);
    const seq = await sequential(targets, options.requests, options.warmup);
    result.added[mode] = minus(seq.vmx.total, seq.direct.total);
    const cpu = () => cpuMicros(daemon.child.pid!);
    result.cpu[mode] = await cpuPerRequest(targets[1], cpu, options.connections, options.cpuRequests);
  }
  return result;
}

function sharedReport(results: Partial<Record<Mode, ModeResult>>, shared: SharedResult | undefined): string {
  if (!shared) return '';
  const embedded = results.nonstream;
  const rows: Array<Array<string | number>> = [
    ['nonstream added p50 / p99 (µs)', fmt(embedded?.sequential.added), fmt(shared.added.nonstream)],
    ['configuration cost p50 / p99 (µs)', fmt(results.configured?.sequential.added), fmt(shared.added.configured)],
    ['CPU µs / request, plain resource', Math.round(embedded?.cpu?.vmx ?? 0), Math.round(shared.cpu.nonstream)],
    ['CPU µs / request, rules + limits', '-', Math.round(shared.cpu.configured)],
  ];
  return `\nThe embedded store against a shared one (${shared.store}), same run\n${table(['', 'sqlite', shared.store], rows)}\n`;
}

const fmt = (p: Percentiles | undefined) => (p ? `${p.p50} / ${p.p99}` : '-');

function targetsFor(
  mode: Mode,
  upstreamUrl: string,
  daemonUrl: string,
  key: string,
  limitedKey: string,
): [Target, Target] {
  if (mode === 'converted') return convertedTargets(daemonUrl, key);
  if (mode === 'configured') return configuredTargets(daemonUrl, key, limitedKey);
  const stream = mode === 'stream';
  const body = (model: string) =>
    JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'Say hello to the benchmark.' }],
      ...(stream ? { stream: true } : {}),
    });
  const upstream = new URL(upstreamUrl);
  return [
    {
      name: 'direct',
      origin: upstream.origin,
      path: `${upstream.pathname}/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: body('fake-model'),
      stream,
    },
    {
      name: 'vmx',
      origin: daemonUrl,
      path: '/v1/completion/bench/dev/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: body('chat'),
      stream,
    },
  ];
}

/**
 * Conversion cost: the same upstream stream through vmx twice — passthrough on the chat route (the
 * "direct" side here) and converted to Anthropic events on the messages route.
 */
function convertedTargets(daemonUrl: string, key: string): [Target, Target] {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const messages = [{ role: 'user', content: 'Say hello to the benchmark.' }];
  return [
    {
      name: 'direct',
      origin: daemonUrl,
      path: '/v1/completion/bench/dev/chat/completions',
      headers,
      body: JSON.stringify({ model: 'chat', messages, stream: true }),
      stream: true,
    },
    {
      name: 'vmx',
      origin: daemonUrl,
      path: '/v1/completion/bench/dev/anthropic/messages',
      headers,
      body: JSON.stringify({ model: 'chat', max_tokens: 256, messages, stream: true }),
      stream: true,
    },
  ];
}

/** Routing, fallback and limits: the plain resource ("direct" side here) vs the configured one, both through vmx. */
function configuredTargets(daemonUrl: string, key: string, limitedKey: string): [Target, Target] {
  const headers = (k: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${k}` });
  const body = (model: string) =>
    JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] });
  const path = '/v1/completion/bench/dev/chat/completions';
  return [
    { name: 'direct', origin: daemonUrl, path, headers: headers(key), body: body('chat'), stream: false },
    { name: 'vmx', origin: daemonUrl, path, headers: headers(limitedKey), body: body('configured'), stream: false },
  ];
}

function minus(a: Percentiles, b: Percentiles): Percentiles {
  return { p50: a.p50 - b.p50, p90: a.p90 - b.p90, p99: a.p99 - b.p99 };
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('   '), ...cells.slice(1).map(line)].join('\n');
}

function report(
  env: { node: string; cpus: number; cpu: string },
  results: Partial<Record<Mode, ModeResult>>,
  rss: { idle: number; end: number; floorIdle: number; floorEnd: number },
): string {
  const out = [
    '',
    `vmx benchmark: node ${env.node}, ${env.cpus} CPUs (${env.cpu}); load generator, daemon and fake upstream share this machine`,
    `direct = client → fake upstream; vmx = client → vmx daemon → fake upstream; sides interleaved`,
    '',
    `Sequential latency, ${options.requests} requests per side over one keep-alive connection (µs)`,
  ];
  const seqRows: Array<Array<string | number>> = [];
  const thrRows: Array<Array<string | number>> = [];
  const cpuRows: Array<Array<string | number>> = [];
  for (const [mode, r] of Object.entries(results)) {
    const s = r.sequential;
    const row = (label: string, p: Percentiles) => [`${mode} ${label}`, p.p50, p.p90, p.p99];
    if (mode === 'converted') {
      // both sides go through vmx: passthrough chat stream vs the same stream converted to Anthropic events
      seqRows.push(
        row('TTFB passthrough', s.direct.ttfb),
        row('TTFB converted', s.vmx.ttfb),
        row('TTFB conversion cost', s.addedTtfb),
      );
      continue;
    }
    if (mode === 'configured') {
      // both sides go through vmx: a plain resource vs rules + fallbacks + limits at three levels
      seqRows.push(
        row('plain resource', s.direct.total),
        row('rules+fallback+limits', s.vmx.total),
        row('cost of the configuration', s.added),
      );
      continue;
    }
    seqRows.push(row('direct', s.direct.total), row('vmx', s.vmx.total), row('added (vmx - direct)', s.added));
    if (s.floor) seqRows.push(row('floor proxy', s.floor.total), row('added (floor - direct)', s.floor.added));
    if (mode === 'stream') {
      seqRows.push(row('TTFB direct', s.direct.ttfb), row('TTFB vmx', s.vmx.ttfb), row('TTFB added', s.addedTtfb));
      if (s.floor) seqRows.push(row('TTFB added by the floor proxy', s.floor.addedTtfb));
    }
    if (r.cpu)
      cpuRows.push([
        mode,
        Math.round(r.cpu.vmx),
        Math.round(r.cpu.vmxMainThread),
        Math.round(r.cpu.vmx - r.cpu.vmxMainThread),
        Math.round(r.cpu.floor),
        r.cpu.ratio.toFixed(2),
      ]);
    const t = r.throughput!;
    const ms = (n: number) => n.toFixed(2);
    thrRows.push([
      mode,
      t.direct.rps,
      t.vmx.rps,
      t.ratio.toFixed(2),
      ms(t.direct.p50),
      ms(t.direct.p99),
      ms(t.vmx.p50),
      ms(t.vmx.p99),
      `${t.direct.non2xx + t.direct.errors}/${t.vmx.non2xx + t.vmx.errors}`,
    ]);
  }
  out.push(table(['', 'p50', 'p90', 'p99'], seqRows), '');
  if (thrRows.length === 0) return `${out.join('\n')}\n`;
  out.push(
    `Throughput, ${options.connections} connections, ${options.duration} s per side in ${options.rounds} round(s) (autocannon; latency in ms)`,
  );
  out.push(
    table(
      ['', 'rps direct', 'rps vmx', 'vmx/direct', 'p50 direct', 'p99 direct', 'p50 vmx', 'p99 vmx', 'errors d/v'],
      thrRows,
    ),
    '',
  );
  out.push(
    `CPU per request, ${options.cpuRequests} requests at ${options.connections} connections (µs of user + system time; floor = a minimal node:http + undici proxy)`,
  );
  out.push(table(['', 'vmx', 'vmx main thread', 'vmx other threads', 'floor', 'vmx/floor'], cpuRows), '');
  out.push(
    `vmx daemon RSS: ${rss.idle} MB after start, ${rss.end} MB at the end (floor proxy: ${rss.floorIdle} / ${rss.floorEnd} MB)`,
    '',
  );
  return `${out.join('\n')}\n`;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
