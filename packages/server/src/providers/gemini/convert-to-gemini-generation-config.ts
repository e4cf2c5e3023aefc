import type { ChatCompletionRequest } from '@tollgate/protocol';
import { z } from 'zod';
import { parseRequestField } from '../parse-request-field.js';
import type { GeminiGenerationConfig } from './gemini-api-types.js';

const ResponseFormatSchema = z.discriminatedUnion(
  'type',
  [
    z.looseObject({ type: z.literal('text') }),
    z.looseObject({ type: z.literal('json_object') }),
    z.looseObject({
      type: z.literal('json_schema'),
      json_schema: z.looseObject({ schema: z.record(z.string(), z.unknown()).nullish() }),
    }),
  ],
  { error: 'must be of type `text`, `json_object` or `json_schema`' },
);

/** OpenRouter's unified `reasoning` parameter. */
const ReasoningSchema = z.looseObject({
  effort: z.string().nullish(),
  max_tokens: z.int().nonnegative().nullish(),
  exclude: z.boolean().nullish(),
  enabled: z.boolean().nullish(),
});

const TopKSchema = z.int({ error: 'must be an integer' }).positive({ error: 'must be ≥ 1' });

/**
 * `response_format` as Gemini output settings: JSON mode is `responseMimeType`; a JSON schema is
 * passed as-is in `responseJsonSchema`, which takes plain JSON Schema (unlike `responseSchema`,
 * an OpenAPI subset that rejects keys such as `additionalProperties`).
 */
function convertResponseFormat(value: unknown): GeminiGenerationConfig {
  if (value === null || value === undefined) return {};
  const format = parseRequestField(ResponseFormatSchema, value, 'response_format');
  switch (format.type) {
    case 'text':
      return {};
    case 'json_object':
      return { responseMimeType: 'application/json' };
    case 'json_schema': {
      const schema = format.json_schema.schema;
      return schema === null || schema === undefined
        ? { responseMimeType: 'application/json' }
        : { responseMimeType: 'application/json', responseJsonSchema: schema };
    }
    default: {
      const unknownFormat: never = format;
      return unknownFormat;
    }
  }
}

/**
 * OpenRouter's `reasoning` (and the older `include_reasoning`) as a Gemini `thinkingConfig`:
 * thoughts are returned unless excluded; `max_tokens` is the thinking budget. `effort` is not
 * mapped: Gemini 2.5 takes a token budget and Gemini 3 a thinking level, per model.
 */
function convertReasoning(
  reasoning: unknown,
  includeReasoning: unknown,
): GeminiGenerationConfig['thinkingConfig'] {
  const parsed =
    reasoning === null || reasoning === undefined
      ? undefined
      : parseRequestField(ReasoningSchema, reasoning, 'reasoning');
  const thinking: NonNullable<GeminiGenerationConfig['thinkingConfig']> = {};
  const wanted = parsed !== undefined && parsed.enabled !== false;
  if ((wanted || includeReasoning === true) && parsed?.exclude !== true) {
    thinking.includeThoughts = true;
  }
  if (typeof parsed?.max_tokens === 'number') thinking.thinkingBudget = parsed.max_tokens;
  return Object.keys(thinking).length === 0 ? undefined : thinking;
}

/** The sampling, length, stop, output-format and thinking settings of a request. */
export function convertToGeminiGenerationConfig(
  request: ChatCompletionRequest,
): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  const topK = request['top_k'];
  if (topK != null) config.topK = parseRequestField(TopKSchema, topK, 'top_k');
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (request.stop != null) {
    const stops = typeof request.stop === 'string' ? [request.stop] : request.stop;
    if (stops.length > 0) config.stopSequences = stops;
  }
  if (request.seed != null) config.seed = request.seed;
  Object.assign(config, convertResponseFormat(request['response_format']));
  const thinking = convertReasoning(request['reasoning'], request['include_reasoning']);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  return Object.keys(config).length === 0 ? undefined : config;
}
