// The parts of zod/mini the CLI uses, as `z` (src/cli/zod.ts): named here so that the bundle keeps only these.
export {
  array,
  coerce,
  enum,
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
