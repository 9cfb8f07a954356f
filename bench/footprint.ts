import { Pool, request } from 'undici';
import { once, type Target } from './measure.js';
import { rssKb, vmx } from './processes.js';

/**
 * Footprint: the daemon's resident memory over many unique prompts — idle, every tenth of the run, at
 * the end and a few seconds later — for the targets (idle ≤ 60 MB; ≤ 120 MB after 100,000
 * unique prompts, flat over the last 50,000). Each request carries a prompt no earlier one had, so any
 * cache or map keyed by request content shows up as growth.
 */

/** The resource the `estimate` side calls: the plain upstream behind a token limit (enforced, never reached). */
export const ESTIMATED_RESOURCE = 'estimated';

/** The two sides: no limit at all, and a token limit that makes the daemon estimate every request's input. */
export const FOOTPRINT_SIDES = [
  { name: 'plain', resource: 'chat' },
  { name: 'estimate', resource: ESTIMATED_RESOURCE },
] as const;
export type FootprintSideName = (typeof FOOTPRINT_SIDES)[number]['name'];

/** How long to leave the daemon alone after the last answer before the `settled` reading. */
const SETTLE_MS = 5_000;

/** One reading: requests answered so far, the daemon's RSS and its main thread's V8 heap in use. */
export interface FootprintSample {
  requests: number;
  rssKb: number;
  /** RSS in MB, to 0.1. */
  rssMb: number;
  /** MB, from the daemon's /metrics (main thread only: the record writer's worker is in RSS, not here); null if unread. */
  heapMb: number | null;
}

export interface FootprintSide {
  resource: string;
  idle: FootprintSample;
  /** Every `prompts / 10` requests; the last one is the end of the run. */
  samples: FootprintSample[];
  /** Five seconds after the last answer, no load. */
  settled: FootprintSample;
  /**
   * RSS at `prompts` minus RSS at `prompts / 2`, and the lowest and highest readings in between: the V8 heap
   * grows with garbage until a major GC, so two single readings can land anywhere on that saw tooth.
   */
  lastHalf: { mb: number; bytesPerPrompt: number; minMb: number; maxMb: number };
  seconds: number;
}

/** Adds the `estimated` resource (1e9 tokens a day, enforced) to a home `configure` has set up. */
export async function configureEstimated(home: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  await vmx(home, env, [
    'resource',
    'add',
    ESTIMATED_RESOURCE,
    '--model',
    'up/fake-model',
    '--limit',
    '1000000000t/d',
    '--enforce-capacity',
    '-w',
    'bench',
    '-e',
    'dev',
  ]);
}

const WORDS = (
  'the of and to in is it you that was for on are with as his they be at one have this from or had by hot word ' +
  'but what some we can out other were all there when up use your how said an each she which do their time if ' +
  'will way about many then them write would like so these her long make thing see him two has look more day ' +
  'could go come did number sound no most people my over know water than call first who may down side been now'
).split(' ');

/** Prompt number `i`: the counter, then random common words up to about `chars` characters. Never seen before. */
export function uniquePrompt(i: number, chars = 200): string {
  let text = `Prompt ${i}:`;
  while (text.length < chars) text += ` ${WORDS[Math.floor(Math.random() * WORDS.length)]}`;
  return text;
}

/** The daemon's main-thread V8 heap in use, in MB, from its /metrics; null when it cannot be read. */
async function heapMb(daemonUrl: string): Promise<number | null> {
  try {
    const { body } = await request(`${daemonUrl}/metrics`);
    const match = /^vmx_process_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(await body.text());
    return match ? mb(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const mb = (kb: number) => Math.round(kb / 102.4) / 10;

/** RSS now (read first, so the /metrics request does not count), then the heap. */
async function sample(pid: number, daemonUrl: string, requests: number): Promise<FootprintSample> {
  const kb = rssKb(pid);
  return { requests, rssKb: kb, rssMb: mb(kb), heapMb: await heapMb(daemonUrl) };
}

/**
 * `prompts` non-stream chat requests to `resource` through the daemon, each with a unique prompt, at
 * `connections` concurrent over one undici Pool; RSS read before, every tenth of the run, and
 * {@link SETTLE_MS} after. Stops at the first failed request.
 */
export async function footprint(
  daemon: { url: string; pid: number },
  key: string,
  resource: string,
  prompts: number,
  connections: number,
  progress: (message: string) => void,
): Promise<FootprintSide> {
  const idle = await sample(daemon.pid, daemon.url, 0);
  const step = Math.max(1, Math.floor(prompts / 10));
  const readings: FootprintSample[] = [];
  const pool = new Pool(daemon.url, { connections, pipelining: 1 });
  const target = (i: number): Target => ({
    name: 'vmx',
    origin: daemon.url,
    path: '/v1/completion/bench/dev/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: resource, messages: [{ role: 'user', content: uniquePrompt(i) }] }),
    stream: false,
  });
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < prompts) {
      const i = next++;
      try {
        await once(pool, target(i));
      } catch (error) {
        failed = true;
        throw error;
      }
      done++;
      if (done % step === 0 || done === prompts) {
        const reading = await sample(daemon.pid, daemon.url, done);
        readings.push(reading);
        progress(`${reading.requests}/${prompts}: RSS ${reading.rssMb} MB, heap ${reading.heapMb ?? '?'} MB`);
      }
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  readings.sort((a, b) => a.requests - b.requests);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const settled = await sample(daemon.pid, daemon.url, prompts);
  return {
    resource,
    idle,
    samples: readings,
    settled,
    lastHalf: lastHalf(readings, prompts),
    seconds: Math.round(seconds * 10) / 10,
  };
}

/** Growth from the reading nearest `prompts / 2` to the last one (MB, bytes per prompt in between), and its range. */
function lastHalf(readings: FootprintSample[], prompts: number): FootprintSide['lastHalf'] {
  const end = readings[readings.length - 1]!;
  const half = readings.reduce((best, r) =>
    Math.abs(r.requests - prompts / 2) < Math.abs(best.requests - prompts / 2) ? r : best,
  );
  const kb = end.rssKb - half.rssKb;
  const between = end.requests - half.requests;
  const range = readings.filter((r) => r.requests >= half.requests).map((r) => r.rssKb);
  return {
    mb: mb(kb),
    bytesPerPrompt: between > 0 ? Math.round((kb * 1024) / between) : 0,
    minMb: mb(Math.min(...range)),
    maxMb: mb(Math.max(...range)),
  };
}

/** The human table: one row per reading, RSS and heap per side, then the growth over the last half. */
export function footprintReport(
  result: Record<FootprintSideName, FootprintSide>,
  prompts: number,
  connections: number,
  table: (header: string[], rows: Array<Array<string | number>>) => string,
): string {
  const sides = FOOTPRINT_SIDES.map((s) => result[s.name]);
  const cells = (pick: (side: FootprintSide) => FootprintSample) =>
    sides.flatMap((side) => [pick(side).rssMb.toFixed(1), pick(side).heapMb?.toFixed(1) ?? '-']);
  const rows: Array<Array<string | number>> = [
    ['idle (after start)', ...cells((s) => s.idle)],
    ...sides[0]!.samples.map((r, i) => [`after ${r.requests}`, ...cells((s) => s.samples[i]!)]),
    [`${SETTLE_MS / 1000} s after the last`, ...cells((s) => s.settled)],
    ['RSS growth, last half (MB)', ...sides.flatMap((s) => [s.lastHalf.mb.toFixed(1), ''])],
    ['RSS growth, last half (B/prompt)', ...sides.flatMap((s) => [s.lastHalf.bytesPerPrompt, ''])],
    [
      'RSS min-max, last half (MB)',
      ...sides.flatMap((s) => [`${s.lastHalf.minMb.toFixed(1)}-${s.lastHalf.maxMb.toFixed(1)}`, '']),
    ],
    ['run time (s)', ...sides.flatMap((s) => [s.seconds.toFixed(1), ''])],
  ];
  const header = ['', ...FOOTPRINT_SIDES.flatMap((s) => [`${s.name} RSS`, `${s.name} heap`])];
  return [
    '',
    `Daemon footprint, ${prompts} unique prompts (~200 characters, non-stream) at ${connections} connections, MB`,
    `plain = resource 'chat' (no limits); estimate = resource '${ESTIMATED_RESOURCE}' (a token limit: every request is estimated);`,
    `one fresh daemon each; heap = V8 heap in use on the daemon's main thread (its /metrics), RSS = /proc/<pid>/status VmRSS`,
    table(header, rows),
    '',
  ].join('\n');
}
