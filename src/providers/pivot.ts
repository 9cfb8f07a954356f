/**
 * The internal pivot: one canonical model of a request, a response and a stream, between the wire
 * dialects. Same dialect on both sides → passthrough, no pivot. Different dialects → the inbound codec
 * decodes into the pivot and the provider's codec encodes out of it (never pairwise translators).
 * Codecs list what the target dialect cannot express in `dropped`, for the audit event.
 */

/** Why a model stopped. */
export type StopReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'refusal' | 'error' | 'other';

/** Token counts as providers report them; absent numbers stay undefined, never 0. */
export interface PivotUsage {
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens read from the provider's prompt cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens). */
  cachedInputTokens?: number;
  /** Input tokens written to the prompt cache (Anthropic cache_creation_input_tokens, Bedrock cacheWriteInputTokens). */
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

/** A piece of message content. */
export type PivotPart =
  | { type: 'text'; text: string }
  | { type: 'image'; source: ImageSource }
  /** A tool call made by the assistant; `arguments` is JSON text, as OpenAI sends it. */
  | { type: 'tool-call'; id: string; name: string; arguments: string }
  /** Model reasoning ("thinking") where the dialect exposes it; `signature` round-trips Anthropic's. */
  | { type: 'reasoning'; text: string; signature?: string };

export type PivotMessage =
  | { role: 'user'; content: PivotPart[] }
  | { role: 'assistant'; content: PivotPart[] }
  /** The result of one tool call, answering the assistant's tool-call part with the same id. */
  | { role: 'tool'; toolCallId: string; content: PivotPart[]; isError?: boolean };

export interface PivotTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface PivotRequest {
  /** Provider model id (the pipeline sets it; codecs copy it). */
  model: string;
  /** System and developer instructions, in order. */
  system: string[];
  messages: PivotMessage[];
  tools: PivotTool[];
  toolChoice?: ToolChoice;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  stream: boolean;
  /** Caller-supplied end-user id or metadata, where the dialect has a place for it. */
  user?: string;
}

export interface PivotResponse {
  id: string;
  model: string;
  /** Assistant content in order: reasoning, text and tool-call parts. */
  content: PivotPart[];
  stopReason: StopReason;
  usage: PivotUsage;
}

/**
 * Stream events, in order: one `start`, then deltas (content blocks are identified by `index`, unique
 * per stream and increasing), then one `finish` (with usage when known), or an `error`.
 */
export type PivotStreamEvent =
  | { type: 'start'; id: string; model: string; usage?: PivotUsage }
  | { type: 'text-delta'; index: number; text: string }
  | { type: 'reasoning-delta'; index: number; text: string; signature?: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  /** A content block ended (text, reasoning or tool call). */
  | { type: 'block-end'; index: number }
  | { type: 'finish'; stopReason: StopReason; usage?: PivotUsage }
  | { type: 'error'; message: string };

/** A parsed inbound or upstream stream event: SSE `event:` name (if any) and the JSON of its data. */
export interface WireEvent {
  event?: string;
  data: unknown;
}

/** Output of a request encoder: the provider body plus what did not fit. */
export interface Encoded<T> {
  value: T;
  /** Human names of request features the target dialect cannot express (e.g. "anthropic cache_control"). */
  dropped: string[];
}

/**
 * One dialect's codec: pure functions between its wire shapes and the pivot.
 * - decodeRequest: a client body in this dialect → pivot (for the inbound route).
 * - encodeRequest: pivot → a provider body in this dialect (for the outbound provider).
 * - decodeResponse: a provider's JSON answer → pivot.
 * - encodeResponse: pivot → the client's JSON answer in this dialect.
 * - streamDecoder: provider stream events → pivot events, event by event.
 * - streamEncoder: pivot events → the client's SSE text, event by event (no buffering of the answer).
 */
export interface DialectCodec<Body = Record<string, unknown>> {
  decodeRequest(body: Body): Encoded<PivotRequest>;
  encodeRequest(request: PivotRequest): Encoded<Body>;
  decodeResponse(body: unknown): PivotResponse;
  encodeResponse(response: PivotResponse): Body;
  streamDecoder(): { push(event: WireEvent): PivotStreamEvent[]; end(): PivotStreamEvent[] };
  streamEncoder(context: { id: string; model: string; created: number }): {
    push(event: PivotStreamEvent): string;
    end(): string;
  };
}
