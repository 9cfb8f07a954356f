import { en } from 'zod/locales';
import { config } from 'zod/mini';

// zod/mini carries no messages of its own: the CLI's errors quote zod's English ones.
config(en());

/**
 * The zod the CLI checks its input with: zod/mini, bundled so that only the parts in zod-parts.ts load
 * (a few milliseconds, where the classic API takes tens), and only for a command that checks
 * something: a flag's schema is made when the flag is given (see `flag()` in verb.ts).
 */
export * as z from './zod-parts.js';

export type Zod = typeof import('./zod-parts.js');
