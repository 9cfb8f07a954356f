import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CliDeps } from '../../../src/cli/context.js';
import { main } from '../../../src/cli/main.js';
import { MAX_BATCH_ITEMS } from '../../../src/gateway/batch/input.js';
import { sqliteBackend, type StoreBackend } from '../../../src/store/backend.js';
import { openStore } from '../../../src/store/open.js';
import { openPostgresBackend } from '../../../src/store/postgres/open.js';
import type { Batch, BatchItemOutcome, ClaimedItem } from '../../../src/store/repos/batches.js';
import { freshSchema, POSTGRES_SKIP_REASON, postgresUrl, type FreshDatabase } from '../../helpers/postgres.js';
import { cli } from '../../helpers/run-cli-in-process.js';
import { tempHome } from '../../helpers/temp-home.js';
import { answered } from '../../helpers/batches.js';
import { eventually } from '../../helpers/eventually.js';

type Vmx = ReturnType<typeof cli>;

/** acme/dev with connection oa and resources chat and search. */
async function setup(home = tempHome(), env: Record<string, string> = {}) {
  const vmx: Vmx = (args, extra = {}) => cli(home)(args, { ...extra, env: { ...env, ...extra.env } });
  const steps = [
    'workspace create acme',
    'env add dev -w acme',
    'use acme/dev',
    'connection add oa --provider openai --api-key-env K',
    'resource add chat --model oa/gpt-4o-mini',
    'resource add search --model oa/gpt-4o-mini',
  ];
  for (const step of steps) expect((await vmx(step, { env: { K: 'sk-x' } })).stderr).toBe('');
  return { home, vmx };
}

const chat = (content: string, model = 'chat') => ({ model, messages: [{ role: 'user', content }] });
const openAILine = (id: string, body: object) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body });

/** A JSONL file in the data dir. */
function itemsFile(home: string, lines: string[], name = 'items.jsonl'): string {
  const path = join(home, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The cells of each row of a table as printed without a terminal: tab-separated, the header first. */
const rows = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => line.split('\t'));

/** The store of a data dir, as a daemon working its batches off opens it. */
const stores: StoreBackend[] = [];
function daemonStore(home: string): StoreBackend {
  const store = sqliteBackend(openStore(join(home, 'vmx.db')));
  stores.push(store);
  return store;
}
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** What a daemon's runner does first: claims the items of the batch once the CLI has made it. */
const claimAll = (store: StoreBackend): Promise<ClaimedItem[]> =>
  eventually(async () => {
    const claimed = await store.batches.claim({ owner: 'daemon-1', now: Date.now(), limit: 100, leaseMs: 60_000 });
    return claimed.length > 0 && claimed;
  });

/**
 * The CLI in process with a stdout the test reads while the command runs (and may call a terminal),
 * for `--wait`: it ends only when the batch does.
 */
function watchedCli(home: string, args: string[], { tty = false } = {}) {
  const seen = { stdout: '', stderr: '' };
  const refuse = async (message: string): Promise<never> => {
    throw new Error(`prompted without a TTY: ${message}`);
  };
  const deps: CliDeps = {
    stdout: { write: (text: string) => (seen.stdout += text), isTTY: tty },
    stderr: { write: (text: string) => (seen.stderr += text) },
    stdin: Readable.from([]),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, VMX_HOME: home, VMX_USER: 'alice', NO_COLOR: '1' },
    prompter: { input: refuse, select: refuse, confirm: refuse, password: refuse },
    canPrompt: false,
  };
  return { seen, code: main(args, deps) };
}

describe('vmx batch create', () => {
  it('creates a batch from a file: a line that cannot run fails alone, warned by its line', async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [
      openAILine('a', chat('one')),
      'not json',
      '',
      '[1, 2]',
      JSON.stringify({ resource: 'search', request: chat('two', 'ignored'), route: 'chat' }),
      JSON.stringify({ resource: 'nope', request: chat('three') }),
      JSON.stringify({ request: { messages: [] } }),
    ]);
    const created = await vmx(['batch', 'create', '--file', file]);
    expect(created.code).toBe(0);
    const id = /^Created batch (batch_[0-9a-f]{32}): 6 items, 4 failed from the start$/m.exec(created.stdout)![1]!;
    expect(created.stdout).toContain(
      `run \`vmx serve\` (or keep it running) to work it off; \`vmx batch show ${id}\` for progress\n`,
    );
    expect(created.stderr.split('\n')).toEqual([
      'warning: line 2 is not valid JSON',
      'warning: line 4 is not a JSON object',
      "warning: line 6: resource 'nope' not found in environment 'acme/dev'",
      "warning: line 7: name the resource (resource, or the request's model)",
      'warning: no daemon is running for this data dir: the batch waits until `vmx serve` starts',
      '',
    ]);

    const shown = (await vmx(`batch show ${id} --items --json`)).json();
    expect(shown).toMatchObject({
      id,
      status: 'queued',
      source: 'cli',
      type: 'async',
      keyId: null,
      createdBy: 'alice',
      endpoint: '/v1/chat/completions',
      capacity: [],
      counts: { total: 6, queued: 2, failed: 4, completed: 0 },
      inputFileId: expect.stringMatching(/^file-/),
    });
    expect(shown.items.map((i: { line: number; status: string }) => [i.line, i.status])).toEqual([
      [1, 'queued'],
      [2, 'failed'],
      [4, 'failed'],
      [5, 'queued'],
      [6, 'failed'],
      [7, 'failed'],
    ]);
    expect(shown.items[0]).toMatchObject({ customId: 'a', resource: 'chat', request: chat('one') });
    expect(shown.items[3]).toMatchObject({ resource: 'search', request: chat('two', 'search') });
    expect(shown.items[4]).toMatchObject({
      resource: 'nope',
      error: { code: 'not_found', message: "line 6: resource 'nope' not found in environment 'acme/dev'" },
    });
    expect(shown.items[1]).toMatchObject({ request: null, error: { code: 'invalid_request' } });
  });

  it('warns about five failed lines, then counts the rest', async () => {
    const { home, vmx } = await setup();
    const lines = [openAILine('ok', chat('hi')), ...Array.from({ length: 8 }, (_, i) => `bad ${i}`)];
    const created = await vmx(['batch', 'create', '--file', itemsFile(home, lines), '--json']);
    expect(created.code).toBe(0);
    const batch = created.json();
    expect(batch.counts).toMatchObject({ total: 9, failed: 8, queued: 1 });
    const warnings = created.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).warning);
    expect(warnings.slice(0, 6)).toEqual([
      'line 2 is not valid JSON',
      'line 3 is not valid JSON',
      'line 4 is not valid JSON',
      'line 5 is not valid JSON',
      'line 6 is not valid JSON',
      `and 3 more: see \`vmx batch show ${batch.id} --items\``,
    ]);
  });

  it('a file of failed lines makes a batch finished at once, with nothing for a daemon to do', async () => {
    const { home, vmx } = await setup();
    const created = await vmx(['batch', 'create', '--file', itemsFile(home, ['oops', '{}']), '--wait']);
    expect(created.code).toBe(1);
    const id = /^Created batch (batch_[0-9a-f]{32}): 2 items, 2 failed from the start$/m.exec(created.stdout)![1]!;
    expect(created.stdout.split('\n').slice(1)).toEqual([
      `Batch ${id} completed: 0 done, 2 failed of 2 · tokens 0 in, 0 out`,
      '',
    ]);
    expect(created.stderr).not.toContain('no daemon');
  });

  it('--resource names the resource of lines that name none (by name or id); an unknown one is exit 3', async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [
      JSON.stringify({ request: { messages: [] } }),
      JSON.stringify({ resource: 'chat', request: { messages: [] } }),
    ]);
    const search = (await vmx('resource show search --json')).json();
    for (const ref of ['search', search.id]) {
      const batch = (await vmx(['batch', 'create', '--file', file, '--resource', ref, '--json'])).json();
      const items = (await vmx(`batch show ${batch.id} --items --json`)).json().items;
      expect(items.map((i: { resource: string; status: string }) => [i.resource, i.status])).toEqual([
        ['search', 'queued'],
        ['chat', 'queued'],
      ]);
      expect(items[0].request.model).toBe('search');
    }
    const unknown = await vmx(['batch', 'create', '--file', file, '--resource', 'nope']);
    expect([unknown.code, unknown.stderr]).toEqual([3, "error: resource 'nope' not found in environment 'acme/dev'\n"]);
    expect((await vmx('batch list --json')).json()).toHaveLength(2);
  });

  it('an item naming a resource by id runs as that resource; items of several routes make a vmx batch', async () => {
    const { home, vmx } = await setup();
    const search = (await vmx('resource show search --json')).json();
    const file = itemsFile(home, [
      JSON.stringify({ resource: search.id, request: { messages: [] } }),
      JSON.stringify({ resource: 'chat', route: 'responses', request: { input: 'hi' } }),
    ]);
    const batch = (await vmx(['batch', 'create', '--file', file, '--json'])).json();
    expect(batch.endpoint).toBe('/v1/completion-batch');
    const [item, responses] = (await vmx(`batch show ${batch.id} --items --json`)).json().items;
    expect(item).toMatchObject({ resource: 'search', status: 'queued', request: { model: 'search' } });
    expect(responses).toMatchObject({ route: 'responses', status: 'queued' });
  });

  it("--limit sets the batch's own capacity; a bad spec is exit 2", async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [openAILine('a', chat('hi'))]);
    const created = await vmx(['batch', 'create', '--file', file, '--limit', '2r/m', '--limit', '1000t/h', '--json']);
    expect(created.json().capacity).toEqual([
      { period: 'minute', requests: 2 },
      { period: 'hour', tokens: 1000 },
    ]);
    expect((await vmx(`batch show ${created.json().id}`)).stdout).toMatch(/^limits: +2r\/m, 1000t\/h$/m);
    const bad = await vmx(['batch', 'create', '--file', file, '--limit', '2x/m']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: invalid --limit '2x\/m'/);
  });

  it('refuses an empty file, a file over the item limit and a missing one (exit 2); - reads stdin', async () => {
    const { home, vmx } = await setup();
    const empty = await vmx(['batch', 'create', '--file', itemsFile(home, ['', '  '], 'empty.jsonl')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr.split('\n')[0]).toBe(`error: invalid --file: ${join(home, 'empty.jsonl')} has no items`);
    const big = itemsFile(
      home,
      Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => '{}'),
      'big.jsonl',
    );
    const tooMany = await vmx(['batch', 'create', '--file', big]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr.split('\n')[0]).toBe(
      `error: invalid --file: ${big} has ${MAX_BATCH_ITEMS + 1} items; a batch holds at most ${MAX_BATCH_ITEMS}`,
    );
    const missing = await vmx(['batch', 'create', '--file', join(home, 'none.jsonl')]);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([
      2,
      `error: invalid --file: cannot read ${join(home, 'none.jsonl')}: ENOENT`,
    ]);
    expect((await vmx('batch create')).stderr).toBe('error: missing required flag --file\n');
    expect((await vmx('batch list --json')).json()).toEqual([]);

    const piped = await vmx('batch create --file - --json', { input: `${openAILine('a', chat('hi'))}\n` });
    expect([piped.code, piped.json().counts.total]).toEqual([0, 1]);
  });
});

describe('vmx batch list, show and cancel', () => {
  it('lists batches newest first, shows one with its counts and items; another id is exit 3', async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [openAILine('a', chat('one')), 'oops', openAILine('b', chat('two'))]);
    const first = (await vmx(['batch', 'create', '--file', file, '--json'])).json();
    const second = (await vmx(['batch', 'create', '--file', file, '--json'])).json();

    const listed = await vmx('batch list --json');
    expect(listed.json().map((b: Batch) => b.id)).toEqual([second.id, first.id]);
    expect((await vmx('batch list --limit 1 --json')).json().map((b: Batch) => b.id)).toEqual([second.id]);
    const table = rows((await vmx('batch list')).stdout);
    expect(table[0]).toEqual(['ID', 'STATUS', 'DONE', 'FAILED', 'PENDING', 'TOTAL', 'CREATED']);
    expect(table[2]!.slice(0, 6)).toEqual([first.id, 'queued', '0', '1', '2', '3']);

    const shown = (await vmx(`batch show ${first.id}`)).stdout;
    for (const line of [/^status: +queued$/m, /^total: +3$/m, /^failed: +1$/m, /^queued: +2$/m]) {
      expect(shown).toMatch(line);
    }
    expect(shown).toMatch(/^tokens: +0 in, 0 out$/m);
    expect(shown).toMatch(/^nextWindow: +-$/m);
    expect(shown).not.toContain('CUSTOM ID');
    const items = rows((await vmx(`batch show ${first.id} --items`)).stdout);
    expect(items[0]).toEqual(['#', 'LINE', 'CUSTOM ID', 'STATUS', 'CODE', 'ERROR']);
    expect(items[1]).toEqual(['1', '1', 'a', 'queued', '-', '-']);
    expect(items[2]).toEqual(['2', '2', '-', 'failed', 'invalid_request', 'line 2 is not valid JSON']);
    expect((await vmx(`batch show ${first.id} --json`)).json()).toEqual(first);

    const missing = await vmx('batch show batch_0000');
    expect([missing.code, missing.stderr]).toEqual([
      3,
      "error: batch 'batch_0000' not found in environment 'acme/dev'\n",
    ]);
    await vmx('env add prod');
    expect((await vmx(`batch show ${first.id} -e prod`)).code).toBe(3);
  });

  it('shows the next window when every item left waits for one', async () => {
    const { home, vmx } = await setup();
    const batch = (
      await vmx(['batch', 'create', '--file', itemsFile(home, [openAILine('a', chat('hi'))]), '--json'])
    ).json();
    const store = daemonStore(home);
    const [item] = await claimAll(store);
    const window = Date.now() + 3_600_000;
    await store.batches.park(item!.batchId, item!.idx, 'daemon-1', window);
    const shown = await vmx(`batch show ${batch.id}`);
    expect(shown.stdout).toMatch(
      new RegExp(`^nextWindow: +${localClock(window)} \\(every item left waits for it\\)$`, 'm'),
    );
    expect((await vmx(`batch show ${batch.id} --json`)).json().nextAt).toBe(window);
  });

  it('cancel asks for --yes without a TTY, then cancels; running items finish first; finished is left alone', async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [openAILine('a', chat('one')), openAILine('b', chat('two'))]);
    const queued = (await vmx(['batch', 'create', '--file', file, '--json'])).json();
    const refused = await vmx(`batch cancel ${queued.id}`);
    expect([refused.code, refused.stderr]).toEqual([
      2,
      `error: refusing to cancel batch ${queued.id} (2 of 2 items left) without confirmation: pass --yes\n`,
    ]);
    const cancelled = await vmx(`batch cancel ${queued.id} --yes`);
    expect([cancelled.code, cancelled.stdout]).toEqual([0, `Batch ${queued.id}: cancelled\n`]);
    expect((await vmx(`batch show ${queued.id} --json`)).json().counts).toMatchObject({ cancelled: 2, queued: 0 });
    const again = await vmx(`batch cancel ${queued.id} --yes`);
    expect([again.code, again.stdout]).toEqual([0, `Batch ${queued.id} is already cancelled: nothing to cancel\n`]);

    const running = (await vmx(['batch', 'create', '--file', file, '--json'])).json();
    await daemonStore(home).batches.claim({ owner: 'daemon-1', now: Date.now(), limit: 1, leaseMs: 60_000 });
    const cancelling = await vmx(`batch cancel ${running.id} --yes --json`);
    expect(cancelling.json()).toMatchObject({
      id: running.id,
      status: 'cancelling',
      counts: { running: 1, cancelled: 1 },
    });
    expect((await vmx(`batch cancel nope --yes`)).code).toBe(3);
  });
});

describe('vmx batch create --wait', () => {
  it('ends with exit 0 once every item completed: a line per change, then a summary', async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [openAILine('a', chat('one')), openAILine('b', chat('two'))]);
    const waiting = vmx(['batch', 'create', '--file', file, '--wait']);
    const store = daemonStore(home);
    const [a, b] = await claimAll(store);
    await store.batches.finish(a!.batchId, a!.idx, 'daemon-1', answered());
    await store.batches.finish(b!.batchId, b!.idx, 'daemon-1', answered({ inputTokens: 1000, outputTokens: 6 }));
    const done = await waiting;
    expect([done.code, done.stderr]).toEqual([0, expect.stringContaining('no daemon is running')]);
    const lines = done.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Created batch ${a!.batchId}: 2 items`);
    expect(lines[2]).toBe('0 done, 0 failed, 2 pending of 2 · tokens 0 in, 0 out');
    expect(lines.at(-1)).toBe(`Batch ${a!.batchId} completed: 2 done, 0 failed of 2 · tokens 1,010 in, 10 out`);
    // One line per change: never the same line twice in a row.
    expect(lines.filter((line, i) => line === lines[i - 1])).toEqual([]);
  });

  it('ends with exit 1 when an item failed, saying how to see which', async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [openAILine('a', chat('one')), openAILine('b', chat('two'))]);
    const waiting = vmx(['batch', 'create', '--file', file, '--wait', '--json']);
    const store = daemonStore(home);
    const [a, b] = await claimAll(store);
    await store.batches.finish(a!.batchId, a!.idx, 'daemon-1', answered());
    const error = { code: 'invalid_request_error', message: 'bad request' };
    await store.batches.finish(b!.batchId, b!.idx, 'daemon-1', answered({ status: 'failed', statusCode: 400, error }));
    const done = await waiting;
    expect(done.code).toBe(1);
    expect(done.json()).toMatchObject({ id: a!.batchId, status: 'completed', counts: { completed: 1, failed: 1 } });
    // After the warning that no daemon runs: the error.
    expect(JSON.parse(done.stderr.trim().split('\n').at(-1)!).error).toEqual({
      code: 'runtime_error',
      message: '1 of 2 items did not complete (1 failed, 0 cancelled)',
    });

    const items = rows((await vmx(`batch show ${a!.batchId} --items`)).stdout);
    expect(items[2]).toEqual(['2', '2', 'b', 'failed', '400', 'bad request']);
  });

  it('on a terminal rewrites one progress line, says when all that is left waits for a window; Ctrl-C stops waiting only', async () => {
    const { home, vmx } = await setup();
    const file = itemsFile(home, [openAILine('a', chat('one')), openAILine('b', chat('two'))]);
    const run = watchedCli(home, ['batch', 'create', '--file', file, '--wait'], { tty: true });
    const store = daemonStore(home);
    const claimed = await claimAll(store);
    const window = Date.now() + 3_600_000;
    await store.batches.finish(claimed[0]!.batchId, 0, 'daemon-1', answered());
    await store.batches.park(claimed[1]!.batchId, 1, 'daemon-1', window);
    const expected = `1 done, 0 failed, 1 pending of 2 · tokens 10 in, 4 out · waiting for the next window at ${localClock(window)}`;
    await eventually(async () => run.seen.stdout.includes(`\r\x1b[K${expected}`));
    await eventually(async () => process.listenerCount('SIGINT') > 0);
    process.emit('SIGINT');
    expect(await run.code).toBe(130);
    expect(process.listenerCount('SIGINT')).toBe(0);
    const id = claimed[0]!.batchId;
    expect(run.seen.stderr.split('\n').at(-2)).toBe(
      `error: stopped waiting; batch ${id} keeps running: check it with \`vmx batch show ${id}\``,
    );
    // The progress line was cleared before the error; no line of progress ends in a newline.
    expect(run.seen.stdout.endsWith('\r\x1b[K')).toBe(true);
    expect(run.seen.stdout).not.toMatch(/pending of 2[^\r]*\n/);
    expect((await vmx(`batch show ${id} --json`)).json()).toMatchObject({ status: 'running', counts: { queued: 1 } });
  });
});

/** Local `HH:MM:SS`, as the CLI prints times of day. */
const localClock = (at: number) => new Date(at).toTimeString().slice(0, 8);

const url = postgresUrl();
describe.skipIf(!url)(
  url ? 'vmx batch on a shared PostgreSQL store' : `vmx batch on PostgreSQL: skipped, ${POSTGRES_SKIP_REASON}`,
  () => {
    let database: FreshDatabase;
    beforeAll(async () => {
      database = await freshSchema();
    });
    afterAll(() => database?.drop());

    it('creates, shows and waits for a batch any daemon on the store works off', async () => {
      const { home, vmx } = await setup(tempHome(), {
        VMX_DATABASE_URL: database.url,
        VMX_SECRET_KEY: randomBytes(32).toString('base64'),
      });
      const file = itemsFile(home, [openAILine('a', chat('one')), JSON.stringify({ resource: 'nope', request: {} })]);
      const created = await vmx(['batch', 'create', '--file', file, '--limit', '10r/m']);
      expect(created.code).toBe(0);
      const id = /^Created batch (batch_[0-9a-f]{32}): 2 items, 1 failed from the start$/m.exec(created.stdout)![1]!;
      expect(created.stdout).toContain(
        `any \`vmx serve\` on this store works it off; \`vmx batch show ${id}\` for progress`,
      );
      expect(created.stderr).toBe("warning: line 2: resource 'nope' not found in environment 'acme/dev'\n");
      expect((await vmx(`batch show ${id} --json`)).json()).toMatchObject({
        capacity: [{ period: 'minute', requests: 10 }],
      });

      const store = await openPostgresBackend(database.url, { maxConnections: 2 });
      try {
        const [a] = await claimAll(store);
        await store.batches.finish(a!.batchId, a!.idx, 'daemon-1', answered());
        const waiting = vmx([
          'batch',
          'create',
          '--file',
          itemsFile(home, [openAILine('b', chat('two'))], 'b.jsonl'),
          '--wait',
        ]);
        const claimed = await claimAll(store);
        expect(claimed.map((item) => item.customId)).toEqual(['b']);
        for (const item of claimed) await store.batches.finish(item.batchId, item.idx, 'daemon-1', answered());
        const done = await waiting;
        expect(done.code).toBe(0);
        expect(done.stdout.trim().split('\n').at(-1)).toMatch(
          /completed: 1 done, 0 failed of 1 · tokens 10 in, 4 out$/,
        );
        expect((await vmx('batch list --json')).json().map((b: Batch) => b.status)).toEqual(['completed', 'completed']);
      } finally {
        await store.close();
      }
    });
  },
);
