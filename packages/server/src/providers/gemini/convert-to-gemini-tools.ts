import type { ChatCompletionRequest } from '@tollgate/protocol';
import { z } from 'zod';
import { parseRequestField } from '../parse-request-field.js';
import type {
  GeminiFunctionCallingConfig,
  GeminiFunctionDeclaration,
  GeminiRequest,
} from './gemini-api-types.js';

const FunctionToolSchema = z.looseObject({
  type: z.literal('function', { error: 'only `function` tools are supported by this provider' }),
  function: z.looseObject({
    name: z.string({ error: 'needs a string `name`' }).min(1),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
  }),
});

const ToolChoiceSchema = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    z.looseObject({
      type: z.literal('function'),
      function: z.looseObject({ name: z.string().min(1) }),
    }),
  ],
  { error: 'must be `none`, `auto`, `required` or {type: "function", function: {name}}' },
);

/** Whether a JSON Schema declares any parameter (Gemini wants none rather than an empty object). */
function declaresParameters(schema: Record<string, unknown>): boolean {
  const properties = schema['properties'];
  if (schema['type'] !== 'object') return true;
  return (
    typeof properties === 'object' && properties !== null && Object.keys(properties).length > 0
  );
}

function convertToolChoice(choice: z.infer<typeof ToolChoiceSchema>): GeminiFunctionCallingConfig {
  if (typeof choice !== 'string') {
    return { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
  }
  switch (choice) {
    case 'none':
      return { mode: 'NONE' };
    case 'auto':
      return { mode: 'AUTO' };
    case 'required':
      return { mode: 'ANY' };
    default: {
      const unknownChoice: never = choice;
      return unknownChoice;
    }
  }
}

/**
 * `tools` as Gemini function declarations and `tool_choice` as its function-calling mode.
 * Parameters go in `parametersJsonSchema`, which takes the client's JSON Schema unchanged.
 */
export function convertToGeminiTools(
  request: ChatCompletionRequest,
): Pick<GeminiRequest, 'tools' | 'toolConfig'> {
  const declarations = (request.tools ?? []).map((tool, index) => {
    const { function: target } = parseRequestField(FunctionToolSchema, tool, `tools[${index}]`);
    const declaration: GeminiFunctionDeclaration = { name: target.name };
    if (target.description != null && target.description !== '') {
      declaration.description = target.description;
    }
    if (target.parameters != null && declaresParameters(target.parameters)) {
      declaration.parametersJsonSchema = target.parameters;
    }
    return declaration;
  });
  if (declarations.length === 0) return {};
  const result: Pick<GeminiRequest, 'tools' | 'toolConfig'> = {
    tools: [{ functionDeclarations: declarations }],
  };
  const choice = request['tool_choice'];
  if (choice !== null && choice !== undefined) {
    const parsed = parseRequestField(ToolChoiceSchema, choice, 'tool_choice');
    result.toolConfig = { functionCallingConfig: convertToolChoice(parsed) };
  }
  return result;
}
