import type { ChatCompletionRequest } from '@tollgate/protocol';
import { z } from 'zod';
import { parseRequestField } from '../parse-request-field.js';
import type { AnthropicToolChoice, AnthropicToolParam } from './anthropic-api-types.js';

const FunctionToolSchema = z.looseObject({
  type: z.literal('function', { error: 'only `function` tools are supported' }),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const ToolChoiceSchema = z.union(
  [
    z.enum(['auto', 'none', 'required']),
    z.looseObject({
      type: z.literal('function'),
      function: z.looseObject({ name: z.string().min(1) }),
    }),
  ],
  { error: 'must be "auto", "none", "required" or {type:"function", function:{name}}' },
);

/** The tool-related fields of an Anthropic request. */
export interface AnthropicToolFields {
  tools?: AnthropicToolParam[];
  tool_choice?: AnthropicToolChoice;
}

function toTool(tool: unknown, path: string): AnthropicToolParam {
  const { function: definition } = parseRequestField(FunctionToolSchema, tool, path);
  return {
    name: definition.name,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    // Anthropic requires a schema; OpenAI lets a function without parameters omit it.
    input_schema: definition.parameters ?? { type: 'object', properties: {} },
  };
}

function toToolChoice(
  choice: z.infer<typeof ToolChoiceSchema> | undefined,
  serial: boolean,
): AnthropicToolChoice | undefined {
  const parallel = serial ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return serial ? { type: 'auto', ...parallel } : undefined;
  if (typeof choice === 'object') return { type: 'tool', name: choice.function.name, ...parallel };
  switch (choice) {
    case 'auto':
      return { type: 'auto', ...parallel };
    case 'required':
      return { type: 'any', ...parallel };
    case 'none':
      return { type: 'none' };
    default: {
      const unknownChoice: never = choice;
      throw new Error(`unknown tool_choice ${String(unknownChoice)}`);
    }
  }
}

/**
 * Converts OpenAI's `tools`, `tool_choice` and `parallel_tool_calls` to Anthropic's `tools` and
 * `tool_choice` (`required` → `any`, a named function → `tool`, `parallel_tool_calls: false` →
 * `disable_parallel_tool_use`). Without tools nothing is sent, `tool_choice` included.
 */
export function convertToAnthropicTools(request: ChatCompletionRequest): AnthropicToolFields {
  const tools = (request.tools ?? []).map((tool, index) => toTool(tool, `tools[${index}]`));
  if (tools.length === 0) return {};
  const rawChoice = request['tool_choice'];
  const choice =
    rawChoice === undefined || rawChoice === null
      ? undefined
      : parseRequestField(ToolChoiceSchema, rawChoice, 'tool_choice');
  const toolChoice = toToolChoice(choice, request['parallel_tool_calls'] === false);
  return toolChoice === undefined ? { tools } : { tools, tool_choice: toolChoice };
}
