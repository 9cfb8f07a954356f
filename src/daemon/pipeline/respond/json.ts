import { dialectSpec } from '../../../providers/dialects/index.js';
import type { DialectCodec } from '../../../providers/pivot.js';
import { AttemptFailed } from '../attempts.js';
import { withVmx } from './envelope.js';
import { done, envelopeOf, finishAttempt, headersFor, type Output } from './output.js';
import { readText } from './upstream-read.js';

/** Same dialect: the provider's bytes stay as they are; the envelope is spliced in before the closing brace. */
export async function relayJson(out: Output): Promise<void> {
  const text = await readText(out.response);
  const parsed = parseObject(text);
  const providerMs = done(out);
  writeJson(out, withVmx(text, envelopeOf(out.exchange)));
  finishAttempt(out, 200, null, dialectSpec(out.exchange.dialect).answerUsage(parsed), providerMs);
}

/** Different dialects: the provider's answer read into the pivot (`to`), written in the client's (`from`). */
export async function convertJson(out: Output, from: DialectCodec, to: DialectCodec): Promise<void> {
  const parsed = parseObject(await readText(out.response));
  let answer;
  try {
    answer = to.decodeResponse(parsed);
  } catch (error) {
    throw new AttemptFailed(502, `the provider sent a response vmx cannot read: ${(error as Error).message}`);
  }
  const providerMs = done(out);
  const body = from.encodeResponse(answer);
  writeJson(out, JSON.stringify({ ...body, vmx: envelopeOf(out.exchange) }));
  finishAttempt(out, 200, null, answer.usage, providerMs);
}

function writeJson(out: Output, text: string): void {
  const { raw, exchange, deps } = out;
  raw.writeHead(200, headersFor(out, { 'content-type': 'application/json' }));
  raw.end(text);
  exchange.status = 200;
  exchange.responseBody = text.length > deps.auditBodyLimit ? text.slice(0, deps.auditBodyLimit) : text;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> {
  const parsed = parseJson(text);
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && hasKeys(parsed)) {
    return parsed as Record<string, unknown>;
  }
  throw new AttemptFailed(502, 'the provider sent an invalid response (not a JSON object)');
}

function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}
