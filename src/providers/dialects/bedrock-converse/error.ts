import type { ErrorShape } from '../error-shape.js';
import { asRecord, asString } from '../wire-read.js';

/** Bedrock (as its SDK reports an exception): `{message, type: <exception name>}`. Clients never speak it. */
export const bedrockErrorShape: ErrorShape = {
  read(body) {
    const root = asRecord(body);
    const message = asString(root?.message) ?? asString(root?.Message);
    return message === undefined ? undefined : { message, type: asString(root?.type) ?? asString(root?.__type) };
  },
  write: ({ message, type }) => ({ message, type }),
};
