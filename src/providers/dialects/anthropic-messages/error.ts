import type { ErrorShape } from '../error-shape.js';
import { asRecord, asString } from '../wire-read.js';

/** Anthropic Messages: `{type:"error",error:{type,message}}`. */
export const anthropicErrorShape: ErrorShape = {
  read(body) {
    const root = asRecord(body);
    const error = asRecord(root?.error);
    if (root?.type !== 'error' || !error || asString(error.message) === undefined) return undefined;
    return { message: asString(error.message)!, type: asString(error.type) };
  },
  write: ({ message, type }) => ({ type: 'error', error: { type, message } }),
};
