import autocannon from 'autocannon';
import { Pool } from 'undici';

/** One side of a comparison: where to POST what. */
export interface Target {
  name: 'direct' | 'vmx' | 'floor';
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface SequentialSide {
  /** Whole exchange, request sent → body fully consumed, in µs. */
  total: Percentiles;
  /** Request sent → first body byte, in µs. */
  ttfb: Percentiles;
}

export interface ThroughputSide {
  rps: number;
  /** Milliseconds, averaged over the rounds. */
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

function percentiles(samples: Float64Array): Percentiles {
  const sorted = samples.slice().sort();
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

/** Sends one request, consumes the whole body, checks it; returns [ttfb, total] in µs. */
export async function once(pool: Pool, target: Target): Promise<[number, number]> {
  const start = process.hrtime.bigint();
  const { statusCode, body } = await pool.request({
    method: 'POST',
    path: target.path,
    headers: target.headers,
    body: target.body,
  });
  let first = 0n;
  let text = '';
  for await (const chunk of body) {
    if (first === 0n) first = process.hrtime.bigint();
    text += chunk.toString();
  }
  const end = process.hrtime.bigint();
  if (statusCode !== 200)
    throw new Error(
      `${target.name}: HTTP ${statusCode} from POST ${target.origin}${target.path}: ${text.slice(0, 600)}`,
    );
  const complete = target.stream
    ? text.endsWith('data: [DONE]\n\n') || text.includes('event: message_stop')
    : text.includes('"chat.completion"');
  if (!complete) {
    throw new Error(
      `${target.name}: unexpected ${target.stream ? 'stream' : 'body'} from ${target.path}: ${text.slice(-600)}`,
    );
  }
  return [Number((first || end) - start) / 1000, Number(end - start) / 1000];
}

/** One request to each target, to fail fast with the answer when something is wrong. */
export async function preflight(targets: Target[]): Promise<void> {
  for (const target of targets) {
    const pool = new Pool(target.origin, { connections: 1 });
    try {
      await once(pool, target);
    } finally {
      await pool.close();
    }
  }
}

/**
 * Sequential latency: `warmup` then `n` requests per target over one keep-alive connection each,
 * interleaved A B (C) A B (C)… so drift (thermal, GC, other load) hits every side alike.
 */
export async function sequential<Name extends Target['name']>(
  targets: ReadonlyArray<Target & { name: Name }>,
  n: number,
  warmup: number,
): Promise<Record<Name, SequentialSide>> {
  const pools = targets.map((t) => new Pool(t.origin, { connections: 1, pipelining: 1 }));
  const ttfb = targets.map(() => new Float64Array(n));
  const total = targets.map(() => new Float64Array(n));
  try {
    for (let i = 0; i < warmup; i++) for (let t = 0; t < targets.length; t++) await once(pools[t]!, targets[t]!);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < targets.length; t++) {
        const [first, all] = await once(pools[t]!, targets[t]!);
        ttfb[t]![i] = first;
        total[t]![i] = all;
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return Object.fromEntries(
    targets.map((target, t) => [target.name, { total: percentiles(total[t]!), ttfb: percentiles(ttfb[t]!) }]),
  ) as Record<Name, SequentialSide>;
}

/** Throughput with autocannon: `rounds` × (A then B), `duration / rounds` seconds each. */
export async function throughput(
  targets: [Target, Target],
  connections: number,
  duration: number,
  rounds: number,
): Promise<Record<'direct' | 'vmx', ThroughputSide>> {
  const runs: autocannon.Result[][] = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (let t = 0; t < 2; t++) {
      const target = targets[t]!;
      runs[t]!.push(
        await autocannon({
          url: `${target.origin}${target.path}`,
          method: 'POST',
          headers: target.headers,
          body: target.body,
          connections,
          duration: duration / rounds,
          timeout: 30,
        }),
      );
    }
  }
  const side = (results: autocannon.Result[]): ThroughputSide => {
    const sum = (f: (r: autocannon.Result) => number) => results.reduce((acc, r) => acc + f(r), 0);
    const seconds = sum((r) => r.duration);
    return {
      rps: Math.round(sum((r) => r['2xx']) / seconds),
      p50: sum((r) => r.latency.p50) / results.length,
      p99: sum((r) => r.latency.p99) / results.length,
      requests: sum((r) => r.requests.total),
      non2xx: sum((r) => r.non2xx),
      errors: sum((r) => r.errors),
    };
  };
  return { [targets[0].name]: side(runs[0]!), [targets[1].name]: side(runs[1]!) } as Record<
    'direct' | 'vmx',
    ThroughputSide
  >;
}

/**
 * CPU time per request of the process behind `target` (vmx or the floor proxy): `amount` requests at
 * `connections` concurrent, the process's user + system time read before and after. Unlike requests per
 * second, this barely moves with what else the machine is doing.
 */
export async function cpuPerRequest(
  target: Target,
  cpuMicros: () => number,
  connections: number,
  amount: number,
): Promise<number> {
  const before = cpuMicros();
  const result = await autocannon({
    url: `${target.origin}${target.path}`,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    amount,
    timeout: 30,
  });
  const used = cpuMicros() - before;
  if (result['2xx'] !== amount)
    throw new Error(
      `${target.name}: ${amount - result['2xx']} of ${amount} requests failed during the CPU measurement`,
    );
  return used / amount;
}
