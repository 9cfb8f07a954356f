/**
 * Bedrock Converse request → pivot request: the reverse of request-encode.ts, for round trips and
 * test fakes (vmx serves no Converse route). Accepts bytes as Uint8Array (SDK objects) or base64
 * (the JSON wire form). Each `toolResult` block becomes a pivot tool message, placed before the rest
 * of its user message, which is the order every other dialect needs.
 */
import type { Encoded, PivotMessage, PivotPart, PivotRequest, PivotTool, ToolChoice } from '../../pivot.js';
import { bytesToBase64, isRecord, optNumber, optString, records } from '../wire-read.js';

const UNSUPPORTED_FIELDS: Record<string, string> = {
  guardrailConfig: 'bedrock-converse guardrailConfig',
  additionalModelRequestFields: 'bedrock-converse additionalModelRequestFields',
  additionalModelResponseFieldPaths: 'bedrock-converse additionalModelResponseFieldPaths',
  promptVariables: 'bedrock-converse promptVariables',
  requestMetadata: 'bedrock-converse requestMetadata',
  performanceConfig: 'bedrock-converse performanceConfig',
  serviceTier: 'bedrock-converse serviceTier',
  outputConfig: 'bedrock-converse outputConfig',
};

/** Decodes a Converse request body; `stream` is false (the operation, not the body, says stream). */
export function decodeConverseRequest(body: Record<string, unknown>): Encoded<PivotRequest> {
  const dropped: string[] = [];
  const system: string[] = [];
  for (const block of records(body.system)) {
    const text = optString(block.text);
    if (text !== undefined) system.push(text);
    else dropped.push(`bedrock-converse ${Object.keys(block)[0] ?? 'unknown'} system block`);
  }
  const messages: PivotMessage[] = [];
  for (const message of records(body.messages)) {
    const blocks = records(message.content);
    if (message.role === 'assistant') {
      messages.push({ role: 'assistant', content: blocks.flatMap((b) => decodeBlock(b, dropped)) });
      continue;
    }
    const rest: Record<string, unknown>[] = [];
    for (const block of blocks) {
      if (isRecord(block.toolResult)) messages.push(decodeToolResult(block.toolResult, dropped));
      else rest.push(block);
    }
    const content = rest.flatMap((b) => decodeBlock(b, dropped));
    if (content.length > 0) messages.push({ role: 'user', content });
  }

  const request: PivotRequest = { model: optString(body.modelId) ?? '', system, messages, tools: [], stream: false };
  const inference = isRecord(body.inferenceConfig) ? body.inferenceConfig : {};
  const maxTokens = optNumber(inference.maxTokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optNumber(inference.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optNumber(inference.topP);
  if (topP !== undefined) request.topP = topP;
  const stop = Array.isArray(inference.stopSequences)
    ? inference.stopSequences.filter((s) => typeof s === 'string')
    : [];
  if (stop.length > 0) request.stop = stop;
  if (isRecord(body.toolConfig)) {
    request.tools = decodeTools(body.toolConfig.tools, dropped);
    const choice = decodeToolChoice(body.toolConfig.toolChoice);
    if (choice !== undefined) request.toolChoice = choice;
  }
  for (const [field, name] of Object.entries(UNSUPPORTED_FIELDS)) {
    if (body[field] !== undefined) dropped.push(name);
  }
  return { value: request, dropped };
}

/** One content block of a user or assistant message → pivot parts (toolResult handled by the caller). */
export function decodeBlock(block: Record<string, unknown>, dropped: string[]): PivotPart[] {
  const text = optString(block.text);
  if (text !== undefined) return [{ type: 'text', text }];
  if (isRecord(block.image)) return decodeImage(block.image, dropped);
  if (isRecord(block.toolUse)) {
    const { toolUseId, name, input } = block.toolUse;
    return [
      {
        type: 'tool-call',
        id: optString(toolUseId) ?? '',
        name: optString(name) ?? '',
        arguments: JSON.stringify(input ?? {}),
      },
    ];
  }
  if (isRecord(block.reasoningContent)) {
    const reasoning = block.reasoningContent.reasoningText;
    if (!isRecord(reasoning)) {
      dropped.push('bedrock-converse redacted reasoning');
      return [];
    }
    const part: PivotPart = { type: 'reasoning', text: optString(reasoning.text) ?? '' };
    const signature = optString(reasoning.signature);
    if (signature !== undefined) part.signature = signature;
    return [part];
  }
  dropped.push(`bedrock-converse ${Object.keys(block)[0] ?? 'unknown'} block`);
  return [];
}

function decodeImage(image: Record<string, unknown>, dropped: string[]): PivotPart[] {
  const format = optString(image.format);
  const data = isRecord(image.source) ? bytesToBase64(image.source.bytes) : undefined;
  if (!format || data === undefined) {
    dropped.push('bedrock-converse image without inline bytes (s3Location)');
    return [];
  }
  return [{ type: 'image', source: { kind: 'base64', mediaType: `image/${format}`, data } }];
}

function decodeToolResult(result: Record<string, unknown>, dropped: string[]): PivotMessage {
  const content = records(result.content).flatMap((block): PivotPart[] =>
    'json' in block ? [{ type: 'text', text: JSON.stringify(block.json) }] : decodeBlock(block, dropped),
  );
  const message: PivotMessage = { role: 'tool', toolCallId: optString(result.toolUseId) ?? '', content };
  if (result.status === 'error') message.isError = true;
  return message;
}

function decodeTools(tools: unknown, dropped: string[]): PivotTool[] {
  const out: PivotTool[] = [];
  for (const tool of records(tools)) {
    const spec = isRecord(tool.toolSpec) ? tool.toolSpec : undefined;
    const name = optString(spec?.name);
    if (!spec || !name) {
      dropped.push(`bedrock-converse ${Object.keys(tool)[0] ?? 'unknown'} tool entry`);
      continue;
    }
    const schema = isRecord(spec.inputSchema) && isRecord(spec.inputSchema.json) ? spec.inputSchema.json : {};
    const description = optString(spec.description);
    out.push(description !== undefined ? { name, description, parameters: schema } : { name, parameters: schema });
  }
  return out;
}

function decodeToolChoice(choice: unknown): ToolChoice | undefined {
  if (!isRecord(choice)) return undefined;
  if ('auto' in choice) return 'auto';
  if ('any' in choice) return 'required';
  const name = isRecord(choice.tool) ? optString(choice.tool.name) : undefined;
  return name !== undefined ? { name } : undefined;
}
