import {
  ApiKeySchema,
  ErrorEnvelopeSchema,
  GenerationRecordSchema,
  ModelSchema,
  ProviderSchema,
  PublicEndpointSchema,
} from '@tollgate/protocol';
import { z } from 'zod';
import { ERROR_STATUS, type ErrorKind } from '../errors/error-codes.js';
import { codeSamplesFor } from './code-samples.js';
import { ERROR_RESPONSE_TEXT } from './error-responses.js';
import { type NamedSchema, OPERATIONS, type Operation, TAG_GROUPS } from './operations.js';

/** A JSON Schema object as zod emits it. */
type JsonSchema = Record<string, unknown>;

/** Shared sub-schemas that get their own component (referenced, not inlined). */
const SHARED_OUTPUT: readonly NamedSchema[] = [
  { name: 'ErrorEnvelope', schema: ErrorEnvelopeSchema },
  { name: 'GenerationRecord', schema: GenerationRecordSchema },
  { name: 'ApiKey', schema: ApiKeySchema },
  { name: 'Model', schema: ModelSchema },
  { name: 'ModelEndpoint', schema: PublicEndpointSchema },
  { name: 'Provider', schema: ProviderSchema },
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Adds a named schema to a registry once; one name must always mean one schema. */
function register(registry: z.core.$ZodRegistry<{ id: string }>, named: NamedSchema): void {
  const existing = registry.get(named.schema);
  if (existing !== undefined) {
    if (existing.id !== named.name) {
      throw new Error(`Schema registered as both ${existing.id} and ${named.name}`);
    }
    return;
  }
  registry.add(named.schema, { id: named.name });
}

/**
 * JSON Schemas of every request body (as the server parses it: zod's input side) and every
 * response (what it sends: the output side), keyed by component name.
 */
function buildComponents(operations: readonly Operation[]): Record<string, JsonSchema> {
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  for (const shared of SHARED_OUTPUT) register(outputs, shared);
  for (const operation of operations) {
    if (operation.body !== undefined) register(inputs, operation.body);
    register(outputs, operation.response);
    if (operation.response.stream !== undefined) register(outputs, operation.response.stream);
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const [registry, io] of [
    [inputs, 'input'],
    [outputs, 'output'],
  ] as const) {
    const generated = z.toJSONSchema(registry, {
      io,
      unrepresentable: 'any',
      uri: (id) => `#/components/schemas/${id}`,
      override: (context) => {
        // Responses may grow fields (Tollgate's extras, OpenRouter's new ones): clients must
        // accept unknown keys, so the document does not forbid them.
        if (io === 'output' && context.jsonSchema.additionalProperties === false) {
          delete context.jsonSchema.additionalProperties;
        }
      },
    });
    for (const [name, schema] of Object.entries(generated.schemas)) {
      if (name in schemas) throw new Error(`Component ${name} is both a request and a response`);
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
      schemas[name] = rest;
    }
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/** Query or path parameters from a zod object (input side: what the client sends). */
function parametersOf(operation: Operation): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  for (const [location, object] of [
    ['path', operation.params],
    ['query', operation.query],
  ] as const) {
    if (object === undefined) continue;
    const schema = z.toJSONSchema(object, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const { description, ...propertySchema } = property;
      const example = operation.parameterExamples?.[name];
      parameters.push({
        name,
        in: location,
        required: location === 'path' || (schema.required ?? []).includes(name),
        ...(description === undefined ? {} : { description }),
        schema: propertySchema,
        ...(example === undefined ? {} : { example }),
      });
    }
  }
  return parameters;
}

function errorResponse(operation: Operation, kind: ErrorKind, openRouterOnly: boolean): JsonSchema {
  const code = ERROR_STATUS[kind];
  const text = operation.errorNotes?.[kind] ?? ERROR_RESPONSE_TEXT[kind];
  const title = text.title;
  return {
    description: openRouterOnly
      ? `${title}. Documented by OpenRouter for this endpoint; Tollgate never sends it here.`
      : title,
    content: {
      'application/json': {
        schema: ref('ErrorEnvelope'),
        example: { error: { code, message: text.message, metadata: null } },
      },
    },
  };
}

function successResponse(operation: Operation): JsonSchema {
  const { response } = operation;
  const json: JsonSchema = { schema: ref(response.name) };
  if (response.example !== undefined) json['example'] = response.example;
  const content: Record<string, JsonSchema> = { [response.mediaType ?? 'application/json']: json };
  if (response.stream !== undefined) {
    content['text/event-stream'] = {
      description: 'With `stream: true`: one chunk per `data:` event, then `data: [DONE]`.',
      schema: ref(response.stream.name),
    };
  }
  return { description: response.description, content };
}

function responsesOf(operation: Operation): Record<string, JsonSchema> {
  const responses: Array<[number, JsonSchema]> = [
    [operation.response.status, successResponse(operation)],
  ];
  for (const kind of operation.errors)
    responses.push([ERROR_STATUS[kind], errorResponse(operation, kind, false)]);
  for (const kind of operation.openRouterOnlyErrors ?? []) {
    responses.push([ERROR_STATUS[kind], errorResponse(operation, kind, true)]);
  }
  responses.sort(([a], [b]) => a - b);
  return Object.fromEntries(responses.map(([status, response]) => [String(status), response]));
}

function operationObject(operation: Operation): JsonSchema {
  const parameters = parametersOf(operation);
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    description: operation.description,
    tags: [operation.tag],
    security: operation.auth === 'public' ? [] : [{ bearerAuth: [] }],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(operation.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref(operation.body.name),
                example: operation.body.example,
              },
            },
          },
        }),
    responses: responsesOf(operation),
    'x-codeSamples': codeSamplesFor(operation),
  };
}

const INTRODUCTION = `Tollgate is a self-hosted LLM gateway that speaks OpenRouter's HTTP API and meters every generation exactly. Point any OpenRouter or OpenAI client at \`<this gateway>/api/v1\`.

Every endpoint below can be tried from this page: enter a key under **Authentication** (Bearer token) and press **Test Request**; the request goes to this gateway, nowhere else. The document is generated from the same schemas the gateway validates requests with; download it at [/api/v1/openapi.json](/api/v1/openapi.json) or [/api/v1/openapi.yaml](/api/v1/openapi.yaml).

**Guides** (quickstart, configuration, OAuth, the accounting reference of every generation field, errors, models, self-hosting, multi-node, deployment, security) are plain pages at [/docs/guides](/docs/guides).`;

/** Builds Tollgate's OpenAPI 3.1 document from the route table and the protocol schemas. */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of OPERATIONS) {
    const item = paths[operation.path] ?? {};
    if (operation.method in item)
      throw new Error(`Duplicate operation ${operation.method} ${operation.path}`);
    item[operation.method] = operationObject(operation);
    paths[operation.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate API',
      version: 'v1',
      description: INTRODUCTION,
    },
    servers: [{ url: '/', description: 'This gateway' }],
    tags: TAG_GROUPS.flatMap((group) => group.tags.map((name) => ({ name }))),
    'x-tagGroups': TAG_GROUPS,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A Tollgate key (`sk-tg-v1-…`) as `Authorization: Bearer <key>`. Management keys can also call the key and credit endpoints.',
        },
      },
      schemas: buildComponents(OPERATIONS),
    },
  };
}
