import type { ChatMessage } from '@tollgate/protocol';
import { z } from 'zod';
import { invalidRequestField, parseRequestField } from '../parse-request-field.js';
import type {
  AnthropicCacheControl,
  AnthropicContentBlockParam,
  AnthropicImageBlockParam,
  AnthropicMessageParam,
  AnthropicTextBlockParam,
  AnthropicToolResultBlockParam,
  AnthropicToolUseBlockParam,
} from './anthropic-api-types.js';

/** The OpenAI messages of a request, rearranged the way Anthropic's Messages API takes them. */
export interface AnthropicPrompt {
  system: string | AnthropicTextBlockParam[] | undefined;
  messages: AnthropicMessageParam[];
}

const CacheControlSchema = z.looseObject({
  type: z.literal('ephemeral'),
  ttl: z.enum(['5m', '1h']).optional(),
});

const TextPartSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: CacheControlSchema.optional(),
});

const ImagePartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.looseObject({ url: z.string() })]),
  cache_control: CacheControlSchema.optional(),
});

const ToolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string().nullish() }),
});

/** `data:<media type>[;param…];base64,<data>` */
const BASE64_DATA_URL = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;

type ContentPart = Exclude<ChatMessage['content'], string | null | undefined>[number];
type TurnBlock = AnthropicContentBlockParam;
type Turn = { role: AnthropicMessageParam['role']; content: TurnBlock[] };

/** The Anthropic cache breakpoint of an OpenAI content part (OpenRouter's `cache_control`). */
function cacheControlOf(part: { cache_control?: z.infer<typeof CacheControlSchema> | undefined }): {
  cache_control?: AnthropicCacheControl;
} {
  const control = part.cache_control;
  if (control === undefined) return {};
  return {
    cache_control:
      control.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: control.ttl },
  };
}

function toTextBlock(part: ContentPart, path: string): AnthropicTextBlockParam[] {
  const text = parseRequestField(TextPartSchema, part, path);
  // Anthropic rejects empty text blocks; an empty part carries nothing anyway.
  if (text.text === '') return [];
  return [{ type: 'text', text: text.text, ...cacheControlOf(text) }];
}

function toImageBlock(part: ContentPart, path: string): AnthropicImageBlockParam {
  const image = parseRequestField(ImagePartSchema, part, path);
  const url = typeof image.image_url === 'string' ? image.image_url : image.image_url.url;
  const dataUrl = BASE64_DATA_URL.exec(url);
  if (dataUrl !== null) {
    const [, mediaType = '', data = ''] = dataUrl;
    const source = { type: 'base64', media_type: mediaType, data } as const;
    return { type: 'image', source, ...cacheControlOf(image) };
  }
  if (/^https?:\/\//i.test(url)) {
    return { type: 'image', source: { type: 'url', url }, ...cacheControlOf(image) };
  }
  throw invalidRequestField(`${path}.image_url`, 'must be an http(s) URL or a base64 data: URL');
}

/** Converts message content (string or parts) to blocks; images only where Anthropic takes them. */
function toBlocks(
  content: ChatMessage['content'],
  path: string,
  allowImages: boolean,
): Array<AnthropicTextBlockParam | AnthropicImageBlockParam> {
  if (content === null || content === undefined || content === '') return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.flatMap(
    (part, position): Array<AnthropicTextBlockParam | AnthropicImageBlockParam> => {
      const partPath = `${path}.content[${position}]`;
      if (part.type === 'text') return toTextBlock(part, partPath);
      if (part.type === 'image_url' && allowImages) return [toImageBlock(part, partPath)];
      throw invalidRequestField(
        `${partPath}.type`,
        `content part "${part.type}" is not supported here`,
      );
    },
  );
}

function toToolUse(call: unknown, path: string): AnthropicToolUseBlockParam {
  const parsed = parseRequestField(ToolCallSchema, call, path);
  const text = parsed.function.arguments ?? '';
  let input: unknown = {};
  if (text.trim() !== '') {
    try {
      input = JSON.parse(text);
    } catch {
      throw invalidRequestField(`${path}.function.arguments`, 'is not valid JSON');
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidRequestField(`${path}.function.arguments`, 'must be a JSON object');
  }
  return {
    type: 'tool_use',
    id: parsed.id,
    name: parsed.function.name,
    input: input as Record<string, unknown>,
  };
}

function toAssistantBlocks(message: ChatMessage, path: string): TurnBlock[] {
  const blocks: TurnBlock[] = toBlocks(message.content, path, false);
  (message.tool_calls ?? []).forEach((call, position) => {
    blocks.push(toToolUse(call, `${path}.tool_calls[${position}]`));
  });
  return blocks;
}

function toToolResult(message: ChatMessage, path: string): AnthropicToolResultBlockParam {
  if (message.tool_call_id === undefined || message.tool_call_id === '') {
    throw invalidRequestField(
      `${path}.tool_call_id`,
      'a tool message needs the id of the call it answers',
    );
  }
  const result: AnthropicToolResultBlockParam = {
    type: 'tool_result',
    tool_use_id: message.tool_call_id,
  };
  if (typeof message.content === 'string') {
    if (message.content !== '') result.content = message.content;
    return result;
  }
  const blocks = toBlocks(message.content, path, true);
  if (blocks.length > 0) result.content = blocks;
  return result;
}

/** Appends blocks to the conversation, merging into the previous turn when the role repeats. */
function append(turns: Turn[], role: Turn['role'], blocks: TurnBlock[]): void {
  // A message without content would be rejected by Anthropic; it carries nothing, so drop it.
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

/** A single plain text block is sent as a string, as Anthropic's own examples do. */
function compact<Block extends TurnBlock>(blocks: Block[]): string | Block[] {
  const [only] = blocks;
  if (blocks.length === 1 && only?.type === 'text' && only.cache_control === undefined) {
    return only.text;
  }
  return blocks;
}

/**
 * Converts OpenAI chat messages to Anthropic's shape: system and developer messages (wherever they
 * are) become the top-level `system`; tool results become `tool_result` blocks of a user turn;
 * assistant `tool_calls` become `tool_use` blocks; consecutive same-role turns are merged, as
 * Anthropic requires alternating roles. Throws a 400 GatewayError naming the offending field.
 */
export function convertToAnthropicMessages(messages: readonly ChatMessage[]): AnthropicPrompt {
  const system: AnthropicTextBlockParam[] = [];
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    const path = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const block of toBlocks(message.content, path, false)) {
          if (block.type === 'text') system.push(block);
        }
        return;
      case 'user':
        append(turns, 'user', toBlocks(message.content, path, true));
        return;
      case 'assistant':
        append(turns, 'assistant', toAssistantBlocks(message, path));
        return;
      case 'tool':
        append(turns, 'user', [toToolResult(message, path)]);
        return;
      default: {
        const unknownMessage: never = message;
        const role = (unknownMessage as { role: unknown }).role;
        throw invalidRequestField(`${path}.role`, `unknown role ${String(role)}`);
      }
    }
  });
  return {
    system: system.length === 0 ? undefined : compact(system),
    messages: turns.map((turn) => ({ role: turn.role, content: compact(turn.content) })),
  };
}
