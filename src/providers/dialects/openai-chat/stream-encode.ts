/**
 * Pivot events → the client's Chat Completions SSE text, event by event: a first chunk with
 * `delta.role`, content / reasoning / tool-call deltas, a chunk with `finish_reason`, the usage chunk
 * (`choices: []`) only when the client asked (`stream_options.include_usage`), then `data: [DONE]`.
 */
import type { PivotStreamEvent, PivotUsage, StopReason } from '../../pivot.js';
import { SSE_DONE, sseEvent } from '../sse.js';
import { encodeChatUsage, encodeFinishReason } from './response.js';

/** What the Chat stream encoder needs: the ids every chunk repeats, and the client's usage choice. */
export interface ChatStreamContext {
  id: string;
  model: string;
  /** Unix seconds, repeated on every chunk. */
  created: number;
  /** The client sent `stream_options.include_usage: true`. Default false. */
  includeUsage?: boolean;
}

/**
 * Creates an encoder for one Chat Completions stream. Every chunk carries the context's id, model
 * and created (the pipeline's choice), not those of the `start` event. Reasoning deltas go out as
 * `delta.reasoning_content` (the de-facto extension); thinking signatures are left out. An `error`
 * event becomes `data: {"error":…}` and closes the stream; `end()` without a `finish` or `error`
 * reports an error too, so a cut-off answer never looks complete.
 */
export function chatStreamEncoder(context: ChatStreamContext): {
  push(event: PivotStreamEvent): string;
  end(): string;
} {
  let roleSent = false;
  let closed = false;
  /** Pivot block index → the Chat `tool_calls[].index` (0, 1, … in order of appearance). */
  const toolIndexes = new Map<number, number>();

  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string => {
    let prefix = '';
    if (!roleSent) {
      roleSent = true;
      // OpenAI's first chunk announces the role with empty content; SDK accumulators expect it.
      prefix = sseEvent(
        frame([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
      );
      if (Object.keys(delta).length === 0 && finishReason === null) return prefix;
    }
    return prefix + sseEvent(frame([{ index: 0, delta, logprobs: null, finish_reason: finishReason }]));
  };

  const frame = (choices: unknown[], usage?: PivotUsage): Record<string, unknown> => ({
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    choices,
    ...(usage ? { usage: encodeChatUsage(usage) } : {}),
  });

  const finish = (stopReason: StopReason, usage: PivotUsage | undefined): string => {
    closed = true;
    let out = chunk({}, encodeFinishReason(stopReason));
    if (context.includeUsage && usage) out += sseEvent(frame([], usage));
    return out + SSE_DONE;
  };

  const error = (message: string): string => {
    closed = true;
    // The same shape as the daemon's error bodies (HTTP.md "Errors"): the SDK raises it as an APIError.
    return sseEvent({ error: { message, type: 'api_error', code: 'upstream_error', param: null } });
  };

  return {
    push(event) {
      if (closed) return '';
      switch (event.type) {
        case 'start':
          return chunk({});
        case 'text-delta':
          return event.text ? chunk({ content: event.text }) : '';
        case 'reasoning-delta':
          return event.text ? chunk({ reasoning_content: event.text }) : '';
        case 'tool-call-start': {
          const index = toolIndexes.size;
          toolIndexes.set(event.index, index);
          return chunk({
            tool_calls: [{ index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }],
          });
        }
        case 'tool-call-delta': {
          const index = toolIndexes.get(event.index);
          if (index === undefined || !event.argumentsDelta) return '';
          return chunk({ tool_calls: [{ index, function: { arguments: event.argumentsDelta } }] });
        }
        case 'block-end':
          return '';
        case 'finish':
          return finish(event.stopReason, event.usage);
        case 'error':
          return error(event.message);
      }
    },
    end() {
      return closed ? '' : error('the upstream stream ended before the answer was complete');
    },
  };
}
