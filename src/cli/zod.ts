import { en } from 'zod/locales';
import {
  array,
  coerce,
  config,
  enum as zodEnum,
  gte,
  int,
  literal,
  lte,
  maxLength,
  minLength,
  object,
  pipe,
  regex,
  string,
  transform,
  trim,
  union,
} from 'zod/mini';

// zod/mini carries no messages of its own: the CLI's errors quote zod's English ones.
config(en());

/**
 * The zod the CLI checks its input with: zod/mini, bundled so that only these parts load (a few
 * milliseconds, where the classic API takes tens), and only for a command that checks something:
 * a flag's schema is made when the flag is given (see `flag()` in verb.ts).
 */
export const z = {
  array,
  coerce,
  enum: zodEnum,
  gte,
  int,
  literal,
  lte,
  maxLength,
  minLength,
  object,
  pipe,
  regex,
  string,
  transform,
  trim,
  union,
};

export type Zod = typeof z;
