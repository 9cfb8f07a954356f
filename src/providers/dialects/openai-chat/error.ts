import type { ErrorShape } from '../error-shape.js';
import { asRecord, asString } from '../wire-read.js';

/** OpenAI (Chat Completions and Responses): `{error:{message,type,param,code}}`; some compatible servers send `{error:"text"}`. */
export const openAIErrorShape: ErrorShape = {
  read(body) {
    const root = asRecord(body);
    if (typeof root?.error === 'string') return { message: root.error };
    const error = asRecord(root?.error);
    if (!error || asString(error.message) === undefined) return undefined;
    const code = error.code;
    return {
      message: asString(error.message)!,
      type: asString(error.type),
      code: typeof code === 'string' ? code : typeof code === 'number' ? String(code) : undefined,
      param: error.param,
    };
  },
  write: ({ message, type, code, param }) => ({ error: { message, type, code, param: param ?? null } }),
};
