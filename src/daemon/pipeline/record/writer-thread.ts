import { rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../../../store/open.js';
import { prune, type RetentionPolicy } from '../../../store/retention.js';
import { writeBatch, type RecordBatch } from './batch.js';
import type { FromWriter, ToWriter } from './writer-messages.js';

/**
 * The writer thread: its own connection to the SQLite file, so a lock held by another process (a CLI
 * edit, a backup, `sqlite3` in a shell) makes this thread wait, never the daemon's event loop. Record
 * batches are written in the order they came; one that fails (the lock held past the busy timeout) is
 * tried again until it goes in, and the ones behind it wait their turn. Retention passes run here too,
 * a short transaction at a time, with batches written in between.
 */
const RETRY_MS = 200;

const port = parentPort!;
const store = openStore((workerData as { dbPath: string }).dbPath);
const pending: RecordBatch[] = [];
const waiting: Array<{ id: number; close: boolean }> = [];
let retry: NodeJS.Timeout | undefined;
let pruning: Promise<void> | undefined;
let closing = false;

const send = (message: FromWriter) => port.postMessage(message);

port.on('message', (message: ToWriter) => {
  switch (message.type) {
    case 'batch':
      pending.push(message.batch);
      return drain();
    case 'flush':
      waiting.push({ id: message.id, close: false });
      return drain();
    case 'close':
      // A pass under way stops at its next step; the last batches go in after it.
      closing = true;
      void (pruning ?? Promise.resolve()).then(() => {
        waiting.push({ id: message.id, close: true });
        drain();
      });
      return;
    case 'prune':
      pruning ??= runPrune(message.id, message.policy).finally(() => (pruning = undefined));
      return;
  }
});

function drain(): void {
  if (retry) return;
  while (pending.length > 0) {
    const batch = pending[0]!;
    try {
      writeBatch(store, batch);
    } catch (error) {
      send({
        type: 'log',
        level: 'warn',
        message: `recording ${pending.length} batch(es) waits: ${(error as Error).message}`,
      });
      retry = setTimeout(() => {
        retry = undefined;
        drain();
      }, RETRY_MS);
      return;
    }
    pending.shift();
    for (const file of batch.supersedes) rmSync(file, { force: true });
  }
  for (const { id, close } of waiting.splice(0)) {
    if (close) store.close();
    send({ type: 'done', id });
    if (close) port.close();
  }
}

async function runPrune(id: number, policy: RetentionPolicy): Promise<void> {
  try {
    const summary = await prune(store, policy, {
      between: () => new Promise((resolve) => setImmediate(resolve)),
      stop: () => closing,
    });
    send({ type: 'pruned', id, summary });
  } catch (error) {
    send({
      type: 'pruned',
      id,
      error: (error as Error).message,
      busy: (error as { code?: string }).code === 'SQLITE_BUSY',
    });
  }
}
