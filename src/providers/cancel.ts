import { EventEmitter } from 'node:events';

/**
 * Ends a provider call early: the client that asked for it went away. undici takes it as it is (an
 * EventEmitter with `aborted`, which its `signal` option accepts); an AbortSignal, which costs a
 * request several microseconds to make and listen to, is made only for an SDK that needs one
 * (`abortSignalOf`).
 */
export class Cancel extends EventEmitter {
  aborted = false;
  private controller: AbortController | undefined;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.controller?.abort();
    this.emit('abort');
  }

  /** An AbortSignal that aborts with this (already aborted if this is). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }
}

/** What a provider call can be ended with: a Cancel from the pipeline, or any AbortSignal (a timeout). */
export type CallSignal = AbortSignal | Cancel;

/** The AbortSignal of a call, for SDK clients that take nothing else. */
export const abortSignalOf = (signal: CallSignal): AbortSignal => (signal instanceof Cancel ? signal.signal : signal);
