import { config } from 'zod/mini';
import { humanIssue } from './zod-messages.js';

// zod/mini carries no messages of its own: the CLI's say what a flag expects (zod-messages.ts).
config({ localeError: humanIssue });

/**
 * The zod the CLI checks its input with: zod/mini, bundled so that only the parts in zod-parts.ts load
 * (a few milliseconds, where the classic API takes tens), and only for a command that checks
 * something: a flag's schema is made when the flag is given (see `flag()` in verb.ts).
 */
export * as z from './zod-parts.js';

export type Zod = typeof import('./zod-parts.js');
