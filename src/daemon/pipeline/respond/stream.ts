import { UpstreamError } from '../../../errors.js';
import { dialectSpec } from '../../../providers/dialects/index.js';
import type { DialectCodec, PivotStreamEvent, PivotUsage } from '../../../providers/pivot.js';
import { redactSecrets } from '../../../providers/redact.js';
import { UpstreamUnavailable } from '../../../providers/types.js';
import { errorEvent } from '../../http-errors.js';
import { ClientGone } from '../attempts.js';
import type { InboundBody } from '../request-body.js';
import { ChatStreamRelay } from './chat-stream-relay.js';
import { NamedEventRelay } from './named-event-relay.js';
import { done, envelopeOf, finishAttempt, headersFor, type Output } from './output.js';
import { eachChunk, eachWireEvent } from './upstream-read.js';
import { withEnvelope } from './with-envelope.js';

/** How a relayed or converted stream ended. */
interface StreamEnd {
  usage: PivotUsage | undefined;
  /** The dialect's terminal event arrived (or, converted, the decoder saw the answer end). */
  complete: boolean;
  /** An error the provider reported inside the stream (already passed on to the client). */
  failure: string | undefined;
}

/** Same dialect: events pass on as they arrive, the envelope on the first and the closing one. */
export async function relayStream(out: Output, inbound: InboundBody): Promise<void> {
  const { exchange, attempt, response } = out;
  const env = (final: boolean) => {
    if (final) done(out);
    return envelopeOf(exchange);
  };
  const redact = (text: string) => redactSecrets(text, attempt.target.secret);
  const events = dialectSpec(exchange.dialect).events;
  const relay = events
    ? new NamedEventRelay(events, env, redact)
    : new ChatStreamRelay({ hideUsage: !inbound.includeUsage, envelope: env, redact });
  await streamOut(out, relay, async (write) => {
    await eachChunk(response.body, async (chunk) => {
      const text = relay.push(chunk);
      if (exchange.timings.ttftMs === undefined && relay.firstEventAt !== undefined)
        exchange.timings.ttftMs = relay.firstEventAt - exchange.started;
      await write(text);
    });
    await write(relay.end());
  });
}

/** Different dialects: each provider event decoded into pivot events (`to`) and encoded in the client's (`from`). */
export async function convertStream(
  out: Output,
  inbound: InboundBody,
  from: DialectCodec,
  to: DialectCodec,
): Promise<void> {
  const { exchange, attempt, response } = out;
  const decoder = to.streamDecoder();
  const context = {
    id: `vmx-${exchange.requestId}`,
    model: attempt.ref.model,
    created: Math.floor(exchange.at / 1000),
    includeUsage: inbound.includeUsage,
  };
  const encoder = from.streamEncoder(context);
  const end: StreamEnd = { usage: undefined, complete: false, failure: undefined };
  let first = true;
  const translate = (events: PivotStreamEvent[]) => {
    let text = '';
    for (const event of events) text += encoder.push(noteEnd(end, event, attempt.target.secret));
    if (text && first) {
      first = false;
      exchange.timings.ttftMs = performance.now() - exchange.started;
      text = withEnvelope(text, envelopeOf(exchange), 'first');
    }
    return text;
  };
  await streamOut(out, end, async (write) => {
    await eachWireEvent(response, (event) => write(translate(decoder.push(event))));
    const tail = translate(decoder.end()) + encoder.end();
    done(out);
    await write(withEnvelope(tail, envelopeOf(exchange), 'last'));
  });
}

/** Keeps what a pivot event says of the stream's end; an error is passed on without the connection's credentials. */
function noteEnd(end: StreamEnd, event: PivotStreamEvent, secret: Record<string, string>): PivotStreamEvent {
  if (event.type === 'start') end.usage = event.usage ?? end.usage;
  else if (event.type === 'finish') {
    end.usage = { ...end.usage, ...event.usage };
    end.complete = true;
  } else if (event.type === 'error') {
    // A provider may quote the credentials it was sent in its error: never any further.
    const redacted = { ...event, message: redactSecrets(event.message, secret) };
    end.failure = redacted.message;
    end.complete = true;
    return redacted;
  }
  return event;
}

/**
 * Sends the stream headers (the response is committed: failures from here on become the dialect's
 * error event, not a fallback), runs `pump`, and records the attempt with the usage `state` holds by
 * then. A stream that broke off or ended without its terminal event is a failed attempt, and the
 * client is told with an error event; an error the provider reported in the stream already reached
 * the client as it sent it. A client that went away leaves a 499 attempt with the tokens reported so
 * far. A bug in the gateway is thrown on (the route answers it as an internal error).
 */
async function streamOut(
  out: Output,
  state: Readonly<StreamEnd>,
  pump: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const { exchange, attempt, raw } = out;
  const secret = attempt.target.secret;
  raw.writeHead(
    200,
    headersFor(out, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    }),
  );
  exchange.status = 200;
  let failure: string | null = null;
  const tellClient = (reason: string) => {
    const { connection, provider, model } = attempt.label;
    const error = new UpstreamError([{ connection, provider, model, status: 502, reason, retryable: false }]);
    raw.write(errorEvent(error, exchange.dialect));
  };
  try {
    await pump((text) => writeChunk(out, text));
    if (state.failure !== undefined)
      failure = `the provider reported an error in the stream: ${redactSecrets(state.failure, secret)}`;
    else if (!state.complete) tellClient((failure = 'the provider stream ended before its last event'));
  } catch (error) {
    if (raw.destroyed || error instanceof ClientGone) {
      finishAttempt(out, 499, 'the client closed the connection', state.usage, done(out));
      throw new ClientGone();
    }
    if (!(error instanceof UpstreamUnavailable)) throw error;
    tellClient((failure = `the provider stream broke off: ${redactSecrets(error.message, secret)}`));
  }
  if (failure) exchange.error = failure;
  raw.end();
  finishAttempt(out, failure ? 502 : 200, failure, state.usage, done(out));
}

/** Writes with backpressure; a client that went away ends the relay. */
async function writeChunk({ exchange, deps, raw }: Output, text: string): Promise<void> {
  if (!text) return;
  if (raw.destroyed) throw new ClientGone();
  if (exchange.responseBody.length < deps.auditBodyLimit)
    exchange.responseBody += text.slice(0, deps.auditBodyLimit - exchange.responseBody.length);
  if (raw.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => (raw.off('close', onClose), resolve());
    const onClose = () => (raw.off('drain', onDrain), reject(new ClientGone()));
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}
