/**
 * The Responses API part of the fake OpenAI upstream (test/helpers/fake-openai.ts): the body of a
 * `POST /v1/responses` answer, as JSON and as the SSE stream the real API sends. Hand-written from the
 * documented wire format (and the `openai` SDK's types), independent of vmx's own code. The transport
 * (behaviours, recording, pauses, dropped connections) is fake-upstream.ts's; this file only builds bodies.
 */

/** What the fake answers for one request, already decided by fake-openai.ts. */
export interface ResponsesTurn {
  /** The exchange number: makes the ids (`resp_fake_3`, `msg_fake_3`, `fc_fake_3`). */
  n: number;
  /** Seconds since the epoch. */
  created: number;
  model: string;
  text: string;
  toolCall?: { callId: string; name: string; arguments: string };
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    cached_tokens: number;
    cache_write_tokens?: number;
  };
}

/** The text of a content value (a message's, or a tool output's: string or parts with `text`); other parts are ignored. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
}

/**
 * The text the fake counts as input for a Responses request: `instructions`, then the input (a string, or
 * the contents of its message items and the `output` of its `function_call_output` items), joined.
 */
export function responsesInputText(body: { instructions?: unknown; input?: unknown }): string {
  const parts = [typeof body.instructions === 'string' ? body.instructions : ''];
  if (typeof body.input === 'string') parts.push(body.input);
  else if (Array.isArray(body.input)) {
    for (const item of body.input) {
      if (item?.type === 'function_call_output') parts.push(contentText(item.output));
      else if (item?.type === undefined || item.type === 'message') parts.push(contentText(item?.content));
    }
  }
  return parts.join('');
}

/** The text the default reply sends for a Responses request (mentions the tool result after a `function_call_output`). */
export function responsesReplyText(body: { model?: unknown; input?: unknown }): string {
  const last = Array.isArray(body.input) ? body.input[body.input.length - 1] : undefined;
  if (last?.type === 'function_call_output') return `Tool result received: ${contentText(last.output)}`;
  return `Hello from fake model ${typeof body.model === 'string' ? body.model : 'fake-model'}`;
}

/** Why the body cannot be answered (the real API's 400), or undefined. */
export function responsesBodyError(
  body: any,
): { error: { message: string; type: string; param: string; code: string } } | undefined {
  if (typeof body !== 'object' || body === null) {
    return {
      error: {
        message: 'We could not parse the JSON body of your request.',
        type: 'invalid_request_error',
        param: '',
        code: 'invalid_json',
      },
    };
  }
  for (const param of ['model', 'input'] as const) {
    if (body[param] === undefined) {
      return {
        error: {
          message: `Missing required parameter: '${param}'.`,
          type: 'invalid_request_error',
          param,
          code: 'missing_required_parameter',
        },
      };
    }
  }
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
    return {
      error: {
        message: "Invalid type for 'input': expected a string or an array.",
        type: 'invalid_request_error',
        param: 'input',
        code: 'invalid_type',
      },
    };
  }
  return undefined;
}

function usageJson(u: ResponsesTurn['usage']) {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.cached_tokens, cache_write_tokens: u.cache_write_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.total_tokens,
  };
}

type ItemState = 'in_progress' | 'completed';

function messageItem(t: ResponsesTurn, state: ItemState) {
  const content = state === 'completed' ? [outputText(t.text)] : [];
  return { id: `msg_fake_${t.n}`, type: 'message', status: state, content, role: 'assistant' };
}

function outputText(text: string) {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

function functionCallItem(t: ResponsesTurn, state: ItemState) {
  const call = t.toolCall!;
  return {
    id: `fc_fake_${t.n}`,
    type: 'function_call',
    status: state,
    arguments: state === 'completed' ? call.arguments : '',
    call_id: call.callId,
    name: call.name,
  };
}

/** The tools as the real API echoes them (function tools get `description` and `strict` filled in). */
function echoTools(tools: unknown): unknown[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool) =>
    tool?.type === 'function'
      ? {
          type: 'function',
          name: tool.name,
          description: tool.description ?? null,
          parameters: tool.parameters ?? null,
          strict: tool.strict ?? true,
        }
      : tool,
  );
}

/** The Response object: `in_progress` (as in `response.created`, no output, no usage) or `completed`. */
export function responseJson(body: any, t: ResponsesTurn, state: ItemState) {
  const done = state === 'completed';
  const output = !done ? [] : t.toolCall ? [functionCallItem(t, 'completed')] : [messageItem(t, 'completed')];
  return {
    id: `resp_fake_${t.n}`,
    object: 'response',
    created_at: t.created,
    status: state,
    background: false,
    completed_at: done ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model: t.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: body.reasoning ?? { effort: null, summary: null },
    safety_identifier: body.safety_identifier ?? null,
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: echoTools(body.tools),
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: done ? usageJson(t.usage) : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/**
 * The SSE events of a streamed Response, in the real order, each `event: <type>\ndata: {…}\n\n` with a
 * `sequence_number` from 0. `pieces` are the deltas: of the text, or of the function call's arguments.
 */
export function responseStreamEvents(body: any, t: ResponsesTurn, pieces: string[]): string[] {
  let sequence = 0;
  const events: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>) =>
    events.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);

  const inProgress = responseJson(body, t, 'in_progress');
  emit('response.created', { response: inProgress });
  emit('response.in_progress', { response: inProgress });
  const at = { output_index: 0 };
  if (t.toolCall) {
    const item_id = `fc_fake_${t.n}`;
    emit('response.output_item.added', { ...at, item: functionCallItem(t, 'in_progress') });
    for (const delta of pieces) emit('response.function_call_arguments.delta', { item_id, ...at, delta });
    emit('response.function_call_arguments.done', {
      item_id,
      ...at,
      name: t.toolCall.name,
      arguments: t.toolCall.arguments,
    });
    emit('response.output_item.done', { ...at, item: functionCallItem(t, 'completed') });
  } else {
    const item_id = `msg_fake_${t.n}`;
    const part = { item_id, ...at, content_index: 0 };
    emit('response.output_item.added', { ...at, item: messageItem(t, 'in_progress') });
    emit('response.content_part.added', { ...part, part: outputText('') });
    for (const delta of pieces) emit('response.output_text.delta', { ...part, delta, logprobs: [] });
    emit('response.output_text.done', { ...part, text: t.text, logprobs: [] });
    emit('response.content_part.done', { ...part, part: outputText(t.text) });
    emit('response.output_item.done', { ...at, item: messageItem(t, 'completed') });
  }
  emit('response.completed', { response: responseJson(body, t, 'completed') });
  return events;
}
