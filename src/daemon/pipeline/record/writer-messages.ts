import type { PruneSummary, RetentionPolicy } from '../../../store/retention.js';
import type { RecordBatch } from './batch.js';

/**
 * Main thread → writer thread. `flush` and `close` are answered with `done` once everything before
 * them is written; `prune` runs a retention pass and is answered with `pruned`.
 */
export type ToWriter =
  | { type: 'batch'; batch: RecordBatch }
  | { type: 'flush'; id: number }
  | { type: 'close'; id: number }
  | { type: 'prune'; id: number; policy: RetentionPolicy };

/** Writer thread → main thread. */
export type FromWriter =
  | { type: 'done'; id: number }
  | { type: 'pruned'; id: number; summary?: PruneSummary; error?: string; busy?: boolean }
  | { type: 'log'; level: 'warn' | 'error'; message: string };
