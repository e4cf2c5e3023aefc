import type { ChatMessage } from '@tollgate/protocol';
import { z } from 'zod';
import { invalidRequestField, parseRequestField } from '../parse-request-field.js';
import { convertUserContent, textsOfContent } from './convert-to-gemini-parts.js';
import type { GeminiContent, GeminiPart } from './gemini-api-types.js';

/** The `format` of the `reasoning_details` entries that carry Gemini thought signatures. */
export const GEMINI_REASONING_FORMAT = 'google-gemini-v1';

/**
 * The placeholder Google documents for replayed function calls whose thought signature was lost
 * (e.g. a conversation started on another model); without one, Gemini 3 answers 400.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** The messages of a request, rearranged the way Gemini's `generateContent` takes them. */
export interface GeminiPrompt {
  contents: GeminiContent[];
  systemInstruction: { parts: GeminiPart[] } | undefined;
}

/** Options of {@link convertToGeminiContents}. */
export interface GeminiContentsOptions {
  /** Whether replayed function calls must carry a thought signature (Gemini 3 and later). */
  requireThoughtSignatures: boolean;
}

const ToolCallSchema = z.looseObject({
  id: z.string({ error: 'needs a string `id`' }).min(1),
  type: z.literal('function', { error: 'only `function` tool calls are supported' }).optional(),
  function: z.looseObject({
    name: z.string({ error: 'needs a string `name`' }).min(1),
    arguments: z.string({ error: 'must be a JSON string' }).nullish(),
  }),
});

const ReasoningDetailSchema = z.looseObject({
  type: z.string(),
  id: z.string().nullish(),
  data: z.string().nullish(),
  format: z.string().nullish(),
});

/** Whether a Gemini model rejects replayed function calls without thought signatures. */
export function requiresThoughtSignatures(upstreamModel: string): boolean {
  const major = /gemini-(\d+)/.exec(upstreamModel)?.[1];
  return major !== undefined && Number(major) >= 3;
}

function parseArguments(text: string | null | undefined, path: string): Record<string, unknown> {
  if (text === null || text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequestField(path, 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequestField(path, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Thought signatures an earlier Gemini response attached to tool calls, by tool call id. */
function signaturesOf(message: ChatMessage): Map<string, string> {
  const signatures = new Map<string, string>();
  const details = message['reasoning_details'];
  if (!Array.isArray(details)) return signatures;
  for (const detail of details) {
    const parsed = ReasoningDetailSchema.safeParse(detail);
    if (!parsed.success) continue;
    const { type, id, data, format } = parsed.data;
    // Signatures from other providers would fail Gemini's validation: only ours go back.
    if (type !== 'reasoning.encrypted' || format !== GEMINI_REASONING_FORMAT) continue;
    if (typeof id === 'string' && typeof data === 'string' && data !== '') {
      signatures.set(id, data);
    }
  }
  return signatures;
}

function convertAssistant(
  message: ChatMessage,
  path: string,
  toolNames: Map<string, string>,
  options: GeminiContentsOptions,
): GeminiPart[] {
  const parts: GeminiPart[] = textsOfContent(message.content, path)
    .filter((text) => text !== '')
    .map((text) => ({ text }));
  const signatures = signaturesOf(message);
  let signed = false;
  const calls = (message.tool_calls ?? []).map((call, index): GeminiPart => {
    const callPath = `${path}.tool_calls[${index}]`;
    const { id, function: target } = parseRequestField(ToolCallSchema, call, callPath);
    toolNames.set(id, target.name);
    const args = parseArguments(target.arguments, `${callPath}.function.arguments`);
    const part: GeminiPart = { functionCall: { name: target.name, args } };
    const signature = signatures.get(id);
    if (signature !== undefined) {
      part.thoughtSignature = signature;
      signed = true;
    }
    return part;
  });
  // Gemini signs only the first call of a step; a step that lost its signature gets the bypass.
  const first = calls[0];
  if (first !== undefined && !signed && options.requireThoughtSignatures) {
    first.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
  }
  return [...parts, ...calls];
}

function convertToolResult(
  message: ChatMessage,
  path: string,
  toolNames: ReadonlyMap<string, string>,
): GeminiPart {
  const id = message.tool_call_id;
  if (id === undefined || id === '') {
    throw invalidRequestField(`${path}.tool_call_id`, 'a tool message needs the id it answers');
  }
  // Gemini matches results to calls by function name, which the tool message does not carry.
  const name = toolNames.get(id) ?? message.name;
  if (name === undefined) {
    throw invalidRequestField(
      `${path}.tool_call_id`,
      `no earlier assistant message made a tool call with id ${JSON.stringify(id)}`,
    );
  }
  const content = textsOfContent(message.content, path).join('');
  return { functionResponse: { name, response: { content } } };
}

/**
 * Converts OpenAI-shaped messages to Gemini `contents`: system and developer messages become the
 * `systemInstruction`; assistant turns are role `model` (tool calls as `functionCall` parts);
 * tool results are `functionResponse` parts of a `user` turn; consecutive turns of one role are
 * merged. A prompt of system messages alone is sent as a user turn (Gemini needs `contents`).
 */
export function convertToGeminiContents(
  messages: readonly ChatMessage[],
  options: GeminiContentsOptions,
): GeminiPrompt {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, index) => {
    const path = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const text of textsOfContent(message.content, path)) {
          if (text !== '') system.push({ text });
        }
        return;
      case 'user':
        push('user', convertUserContent(message.content, path));
        return;
      case 'assistant':
        push('model', convertAssistant(message, path, toolNames, options));
        return;
      case 'tool':
        push('user', [convertToolResult(message, path, toolNames)]);
        return;
      default: {
        const unknownMessage: never = message;
        const role = (unknownMessage as { role: unknown }).role;
        throw invalidRequestField(`${path}.role`, `unknown role ${String(role)}`);
      }
    }
  });
  if (contents.length === 0 && system.length > 0) {
    return { contents: [{ role: 'user', parts: system }], systemInstruction: undefined };
  }
  return { contents, systemInstruction: system.length === 0 ? undefined : { parts: system } };
}
