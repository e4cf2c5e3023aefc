import {
  ActivityQuerySchema,
  ActivityResponseSchema,
  ActivitySummaryQuerySchema,
  ActivitySummaryResponseSchema,
  AddCreditsRequestSchema,
  ApiKeyHashParamsSchema,
  ApiKeyListResponseSchema,
  ApiKeyResponseSchema,
  ChatCompletionChunkSchema,
  ChatCompletionRequestSchema,
  ChatCompletionSchema,
  CreateApiKeyRequestSchema,
  CreateApiKeyResponseSchema,
  CreateAuthCodeRequestSchema,
  CreateAuthCodeResponseSchema,
  CreditGrantsResponseSchema,
  CreditsResponseSchema,
  CurrentKeyResponseSchema,
  DeleteApiKeyResponseSchema,
  EmbeddingsModelsQuerySchema,
  EmbeddingsRequestSchema,
  EmbeddingsResponseSchema,
  ErrorEnvelopeSchema,
  ExchangeAuthCodeRequestSchema,
  ExchangeAuthCodeResponseSchema,
  GenerationContentResponseSchema,
  GetGenerationContentQuerySchema,
  GetGenerationQuerySchema,
  GetGenerationResponseSchema,
  HealthResponseSchema,
  ListApiKeysQuerySchema,
  ListCreditGrantsQuerySchema,
  ListGenerationsQuerySchema,
  ListGenerationsResponseSchema,
  ModelEndpointsResponseSchema,
  ModelResponseSchema,
  ModelsCountQuerySchema,
  ModelsCountResponseSchema,
  ModelsListQuerySchema,
  ModelsListResponseSchema,
  ProvidersResponseSchema,
  ReadyResponseSchema,
  TextCompletionChunkSchema,
  TextCompletionRequestSchema,
  TextCompletionSchema,
  UpdateApiKeyRequestSchema,
} from '@tollgate/protocol';
import { z } from 'zod';
import type { ErrorKind } from '../errors/error-codes.js';
import {
  EXAMPLE_API_KEY,
  EXAMPLE_CHAT_COMPLETION,
  EXAMPLE_CHAT_REQUEST,
  EXAMPLE_CURRENT_KEY,
  EXAMPLE_GENERATION,
  EXAMPLE_GENERATION_ID,
  EXAMPLE_KEY_HASH,
} from './examples.js';

const HTML_PAGE = z.string().describe('An HTML page.');

/** Who may call an operation. */
export type OperationAuth = 'public' | 'key' | 'management';

/** A named wire schema: its component name in the OpenAPI document and the zod schema. */
export interface NamedSchema {
  name: string;
  schema: z.ZodType;
}

/** One endpoint Tollgate serves, as the API reference describes it. */
export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Full path on the gateway, OpenAPI-templated (`/api/v1/keys/{hash}`). */
  path: string;
  operationId: string;
  /** Page title in the reference ("Get a generation"). */
  summary: string;
  description: string;
  tag: OperationTag;
  auth: OperationAuth;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** Example values of the query and path parameters (used by the code samples). */
  parameterExamples?: Record<string, string>;
  body?: NamedSchema & { example: unknown };
  response: NamedSchema & {
    /** 410 only for a retired endpoint, whose answer is always the error envelope. */
    status: 200 | 201 | 410;
    description: string;
    example?: unknown;
    /** With `stream: true`, the body is `text/event-stream` of these chunks instead. */
    stream?: NamedSchema;
    /** Media type of the body (default `application/json`). */
    mediaType?: 'application/yaml' | 'text/html' | 'text/plain';
  };
  /** Errors this endpoint answers with (statuses from the one error table). */
  errors: readonly ErrorKind[];
  /** Descriptions of errors that mean something specific on this endpoint. */
  errorNotes?: Partial<Record<ErrorKind, { title: string; message: string }>>;
  /** Statuses OpenRouter documents for this endpoint that Tollgate never sends (kept for parity). */
  openRouterOnlyErrors?: readonly ErrorKind[];
  /** The call in `@tollgate/sdk` (after `const client = new Tollgate(…)`). */
  sdkCall?: string;
  /** The call in the `openai` package (after `const client = new OpenAI(…)`). */
  openAICall?: string;
}

/** Tags, in the order of the reference's sidebar, grouped by {@link TAG_GROUPS}. */
export const OPERATION_TAGS = [
  'Chat',
  'Completions',
  'Embeddings',
  'Generations',
  'Activity',
  'API Keys',
  'OAuth',
  'Credits',
  'Models',
  'Providers',
  'Gateway',
] as const;

/** A tag of the reference. */
export type OperationTag = (typeof OPERATION_TAGS)[number];

/** Sidebar groups (`x-tagGroups`). */
export const TAG_GROUPS: ReadonlyArray<{ name: string; tags: readonly OperationTag[] }> = [
  { name: 'Inference', tags: ['Chat', 'Completions', 'Embeddings'] },
  { name: 'Accounting', tags: ['Generations', 'Activity', 'API Keys', 'OAuth', 'Credits'] },
  { name: 'Catalog', tags: ['Models', 'Providers'] },
  { name: 'Gateway', tags: ['Gateway'] },
];

/** Statuses every metered inference endpoint can answer with. */
const INFERENCE_ERRORS = [
  'invalid_request',
  'unauthenticated',
  'insufficient_credits',
  'not_found',
  'payload_too_large',
  'unprocessable',
  'rate_limited',
  'internal',
  'upstream_error',
  'no_provider_available',
  'upstream_timeout',
  'provider_overloaded',
] as const satisfies readonly ErrorKind[];

const MANAGEMENT_ERRORS = [
  'unauthenticated',
  'forbidden',
  'rate_limited',
  'internal',
] as const satisfies readonly ErrorKind[];

const ModelPathSchema = z.object({
  author: z.string().describe('The part of the model id before the slash (`tollgate`).'),
  slug: z.string().describe('The part of the model id after the slash (`demo`).'),
});

const ROUTING_NOTE =
  'Routing follows OpenRouter: `models` (fallback list), `provider` (order, only, ignore, ' +
  'sort, max_price, allow_fallbacks). The generation is metered and its record is committed ' +
  'before the last byte of the response; read it with `GET /api/v1/generation?id=`.';

const INFERENCE: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/v1/chat/completions',
    operationId: 'sendChatCompletion',
    summary: 'Chat completion',
    description: `Sends a chat completion request to the model's providers, OpenAI/OpenRouter wire format. With \`stream: true\` the answer is Server-Sent Events, one chunk per \`data:\` line, ending with \`data: [DONE]\`; an error after the stream started arrives as a last chunk with \`error\`. ${ROUTING_NOTE}`,
    tag: 'Chat',
    auth: 'key',
    body: {
      name: 'ChatCompletionRequest',
      schema: ChatCompletionRequestSchema,
      example: EXAMPLE_CHAT_REQUEST,
    },
    response: {
      status: 200,
      name: 'ChatCompletion',
      schema: ChatCompletionSchema,
      description: 'The completion; its `id` is the generation id (also in `X-Generation-Id`).',
      example: EXAMPLE_CHAT_COMPLETION,
      stream: { name: 'ChatCompletionChunk', schema: ChatCompletionChunkSchema },
    },
    errors: INFERENCE_ERRORS,
    sdkCall: [
      'const completion = await client.chat.send({',
      "  model: 'tollgate/demo',",
      "  messages: [{ role: 'user', content: 'Hello!' }],",
      '  maxTokens: 20,',
      '});',
    ].join('\n'),
    openAICall: `const completion = await client.chat.completions.create(${JSON.stringify(EXAMPLE_CHAT_REQUEST, null, 2)});`,
  },
  {
    method: 'post',
    path: '/api/v1/completions',
    operationId: 'createCompletion',
    summary: 'Completion',
    description: `Legacy text completion (\`prompt\` instead of \`messages\`). ${ROUTING_NOTE}`,
    tag: 'Completions',
    auth: 'key',
    body: {
      name: 'TextCompletionRequest',
      schema: TextCompletionRequestSchema,
      example: { model: 'tollgate/demo', prompt: 'Once upon a time', max_tokens: 20 },
    },
    response: {
      status: 200,
      name: 'TextCompletion',
      schema: TextCompletionSchema,
      description: 'The completion; its `id` is the generation id.',
      stream: { name: 'TextCompletionChunk', schema: TextCompletionChunkSchema },
    },
    errors: INFERENCE_ERRORS,
    sdkCall:
      "const completion = await client.completions.generate({ model: 'tollgate/demo', prompt: 'Once upon a time', maxTokens: 20 });",
    openAICall:
      "const completion = await client.completions.create({ model: 'tollgate/demo', prompt: 'Once upon a time', max_tokens: 20 });",
  },
  {
    method: 'post',
    path: '/api/v1/embeddings',
    operationId: 'createEmbeddings',
    summary: 'Create embeddings',
    description: `Embeds one text or a list of texts (or token arrays). ${ROUTING_NOTE}`,
    tag: 'Embeddings',
    auth: 'key',
    body: {
      name: 'EmbeddingsRequest',
      schema: EmbeddingsRequestSchema,
      example: { model: 'acme/embed-1', input: ['The quick brown fox', 'jumps over'] },
    },
    response: {
      status: 200,
      name: 'EmbeddingsResponse',
      schema: EmbeddingsResponseSchema,
      description: 'One embedding per input, in order; `id` is the generation id.',
    },
    errors: INFERENCE_ERRORS,
    sdkCall:
      "const embeddings = await client.embeddings.generate({ model: 'acme/embed-1', input: ['The quick brown fox', 'jumps over'] });",
    openAICall:
      "const embeddings = await client.embeddings.create({ model: 'acme/embed-1', input: ['The quick brown fox', 'jumps over'] });",
  },
];

const ACCOUNTING: readonly Operation[] = [
  {
    method: 'get',
    path: '/api/v1/generation',
    operationId: 'getGeneration',
    summary: 'Get a generation',
    description:
      "Returns the metadata of one generation: its exact cost, tokens (normalized and native), latency, provider and every upstream attempt. The record is committed before the generation's response ends, so it is readable at once and never changes afterwards. A key reads its own generations; a management key reads all. Another key's generation is answered like a missing one (404). Every field is defined in the accounting reference (guide below).",
    tag: 'Generations',
    auth: 'key',
    query: GetGenerationQuerySchema,
    parameterExamples: { id: EXAMPLE_GENERATION_ID },
    response: {
      status: 200,
      name: 'GetGenerationResponse',
      schema: GetGenerationResponseSchema,
      description: 'Returns the request metadata for this generation',
      example: { data: EXAMPLE_GENERATION },
    },
    errors: ['invalid_request', 'unauthenticated', 'not_found', 'rate_limited', 'internal'],
    openRouterOnlyErrors: ['insufficient_credits', 'upstream_error'],
    sdkCall: `const generation = await client.generations.getGeneration({ id: '${EXAMPLE_GENERATION_ID}' });`,
    openAICall: `const generation = await client.get('/generation', { query: { id: '${EXAMPLE_GENERATION_ID}' } });`,
  },
  {
    method: 'get',
    path: '/api/v1/generation/content',
    operationId: 'getGenerationContent',
    summary: 'Get the stored content of a generation',
    description:
      "The prompt and output of a generation, in OpenRouter's shape, when they were stored: the config's `store_content` (default false) or the key's `store_content` override decides, at request time. Content is kept compressed with the record, deleted with it by retention, and never logged. 403 when it was not stored; a key reads its own generations, a management key all (another key's generation is a 404).",
    tag: 'Generations',
    auth: 'key',
    query: GetGenerationContentQuerySchema,
    parameterExamples: { id: EXAMPLE_GENERATION_ID },
    response: {
      status: 200,
      name: 'GenerationContentResponse',
      schema: GenerationContentResponseSchema,
      description: 'What was sent and produced.',
      example: {
        data: {
          input: { messages: [{ role: 'user', content: 'Hello!' }] },
          output: { completion: 'Hello! How can I help?', reasoning: null },
          error: null,
        },
      },
    },
    errors: [
      'invalid_request',
      'unauthenticated',
      'forbidden',
      'not_found',
      'rate_limited',
      'internal',
    ],
    errorNotes: {
      forbidden: {
        title: 'Content not stored',
        message: 'Content was not stored for this generation',
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/generations',
    operationId: 'listGenerations',
    summary: 'List and export generations',
    description:
      "Tollgate extension: the generations log, newest first, each item exactly the record `GET /generation` returns. Filters: `from`/`to` (ISO 8601 instant or UTC day; `to` exclusive), `key_hash`, `model`, `provider`, `external_user`, `session_id`, `api_type`, `outcome` (`ok`, `error` = finish reason `error`, `cancelled`) and `min_cost` (USD). Pages are keyset-paginated on (created_at, id): pass `next_cursor` as `cursor`; records committed meanwhile never shift or repeat a page. `format=ndjson` (one record per line, `application/x-ndjson`) or `format=csv` (`text/csv`, one column per record field, objects as JSON; text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so a spreadsheet does not run it as a formula) streams every match at constant memory instead of a page. A key sees its own generations; a management key sees all. An invalid filter is a 400 naming the parameter.",
    tag: 'Generations',
    auth: 'key',
    query: ListGenerationsQuerySchema,
    parameterExamples: { model: 'tollgate/demo', limit: '50' },
    response: {
      status: 200,
      name: 'ListGenerationsResponse',
      schema: ListGenerationsResponseSchema,
      description: 'A page of records (or, with `format`, the streamed export).',
      example: { data: [EXAMPLE_GENERATION], next_cursor: null },
    },
    errors: ['invalid_request', 'unauthenticated', 'forbidden', 'rate_limited', 'internal'],
    sdkCall: "const page = await client.generations.list({ model: 'tollgate/demo', limit: '50' });",
    openAICall:
      "const page = await client.get('/generations', { query: { model: 'tollgate/demo' } });",
  },
  {
    method: 'get',
    path: '/api/v1/activity',
    operationId: 'getUserActivity',
    summary: 'Get activity',
    description:
      "Usage per UTC day × model × endpoint for the last 30 completed UTC days (today is not included), as OpenRouter serves it: `usage` is what keys were charged (for BYOK, the gateway's fee), `byok_usage_inference` what providers billed to key owners' own credentials, tokens are native counts. `date` selects one of those days; any other date is a 400. Served from usage rollups written in the same transaction as the records (retention keeps them), so the sums equal the records exactly. Management keys only.",
    tag: 'Activity',
    auth: 'management',
    query: ActivityQuerySchema,
    parameterExamples: { date: '2026-12-06' },
    response: {
      status: 200,
      name: 'ActivityResponse',
      schema: ActivityResponseSchema,
      description: 'Activity rows, newest day first.',
      example: {
        data: [
          {
            date: '2026-12-06',
            model: 'tollgate/demo',
            model_permaslug: 'tollgate/demo',
            endpoint_id: 'Tollgate Demo/demo-1',
            provider_name: 'Tollgate Demo',
            usage: 0.000161,
            byok_usage_inference: 0,
            requests: 1,
            prompt_tokens: 5,
            completion_tokens: 78,
            reasoning_tokens: 0,
          },
        ],
      },
    },
    errors: ['invalid_request', ...MANAGEMENT_ERRORS],
    errorNotes: {
      forbidden: {
        title: 'Not a management key',
        message: 'Only management keys can fetch activity',
      },
    },
    sdkCall: "const activity = await client.analytics.getUserActivity({ date: '2026-12-06' });",
  },
  {
    method: 'get',
    path: '/api/v1/activity/summary',
    operationId: 'getActivitySummary',
    summary: 'Summarize usage for billing',
    description:
      'Tollgate extension: spend, requests and tokens per `group_by` (`key` hash, `external_user`, `model`, `provider`) and per UTC day or hour (`granularity`), over [`from`, `to`) on period boundaries (default: the last 30 days or 24 hours, current period included). Money is given as a USD number and as an exact decimal string (`usage_exact`). Read from the same rollups as `/activity`. A key sees its own usage; a management key sees all.',
    tag: 'Activity',
    auth: 'key',
    query: ActivitySummaryQuerySchema,
    parameterExamples: { group_by: 'model', granularity: 'day' },
    response: {
      status: 200,
      name: 'ActivitySummaryResponse',
      schema: ActivitySummaryResponseSchema,
      description: 'Rows per period and group, oldest first, and their totals.',
      example: {
        data: [
          {
            period: '2026-12-06',
            group: 'tollgate/demo',
            usage: 0.000161,
            usage_exact: '0.000161',
            byok_usage_inference: 0,
            byok_usage_inference_exact: '0',
            requests: 1,
            prompt_tokens: 5,
            completion_tokens: 78,
            reasoning_tokens: 0,
          },
        ],
        totals: {
          usage: 0.000161,
          usage_exact: '0.000161',
          byok_usage_inference: 0,
          byok_usage_inference_exact: '0',
          requests: 1,
          prompt_tokens: 5,
          completion_tokens: 78,
          reasoning_tokens: 0,
        },
        from: '2026-11-07',
        to: '2026-12-07',
        granularity: 'day',
        group_by: 'model',
      },
    },
    errors: ['invalid_request', 'unauthenticated', 'rate_limited', 'internal'],
    sdkCall: "const summary = await client.analytics.getSummary({ groupBy: 'model' });",
  },
  {
    method: 'get',
    path: '/api/v1/key',
    operationId: 'getCurrentKey',
    summary: 'Get current API key',
    description:
      "The calling key's limit, usage (all time, today, this week, this month; UTC windows) and rate limit.",
    tag: 'API Keys',
    auth: 'key',
    response: {
      status: 200,
      name: 'CurrentKeyResponse',
      schema: CurrentKeyResponseSchema,
      description: 'The calling key.',
      example: EXAMPLE_CURRENT_KEY,
    },
    errors: ['unauthenticated', 'rate_limited', 'internal'],
    sdkCall: 'const key = await client.apiKeys.getCurrentKeyMetadata();',
  },
  {
    method: 'get',
    path: '/api/v1/auth/key',
    operationId: 'getCurrentKeyLegacy',
    summary: 'Get current API key (legacy path)',
    description: 'The same as `GET /api/v1/key`, at the path older OpenRouter clients call.',
    tag: 'API Keys',
    auth: 'key',
    response: {
      status: 200,
      name: 'CurrentKeyResponse',
      schema: CurrentKeyResponseSchema,
      description: 'The calling key.',
      example: EXAMPLE_CURRENT_KEY,
    },
    errors: ['unauthenticated', 'rate_limited', 'internal'],
  },
  {
    method: 'get',
    path: '/api/v1/keys',
    operationId: 'listApiKeys',
    summary: 'List API keys',
    description: 'Every key (100 per page, `offset` to page), newest first. Management keys only.',
    tag: 'API Keys',
    auth: 'management',
    query: ListApiKeysQuerySchema,
    parameterExamples: { include_disabled: 'true' },
    response: {
      status: 200,
      name: 'ApiKeyListResponse',
      schema: ApiKeyListResponseSchema,
      description: 'A page of keys.',
      example: { data: [EXAMPLE_API_KEY] },
    },
    errors: ['invalid_request', ...MANAGEMENT_ERRORS],
    sdkCall: "const keys = await client.apiKeys.list({ includeDisabled: 'true' });",
  },
  {
    method: 'post',
    path: '/api/v1/keys',
    operationId: 'createApiKey',
    summary: 'Create API key',
    description:
      'Creates an inference key. The secret is in this response only; Tollgate stores its SHA-256. Management keys only.',
    tag: 'API Keys',
    auth: 'management',
    body: {
      name: 'CreateApiKeyRequest',
      schema: CreateApiKeyRequestSchema,
      example: { name: 'ci-runner', limit: 25, limit_reset: 'monthly' },
    },
    response: {
      status: 201,
      name: 'CreateApiKeyResponse',
      schema: CreateApiKeyResponseSchema,
      description: 'The new key and its secret.',
      example: {
        data: { ...EXAMPLE_API_KEY, usage: 0, usage_daily: 0, usage_weekly: 0, usage_monthly: 0 },
        key: 'sk-tg-v1-117c5d2e0a4b4f7e9c1d3a5b7e9f1a3c5d7e9f1a3b5c78ce',
      },
    },
    errors: ['invalid_request', 'payload_too_large', ...MANAGEMENT_ERRORS],
    sdkCall:
      "const created = await client.apiKeys.create({ name: 'ci-runner', limit: 25, limitReset: 'monthly' });",
  },
  {
    method: 'get',
    path: '/api/v1/keys/{hash}',
    operationId: 'getApiKey',
    summary: 'Get API key',
    description: 'One key by its hash. Management keys only.',
    tag: 'API Keys',
    auth: 'management',
    params: ApiKeyHashParamsSchema,
    parameterExamples: { hash: EXAMPLE_KEY_HASH },
    response: {
      status: 200,
      name: 'ApiKeyResponse',
      schema: ApiKeyResponseSchema,
      description: 'The key.',
      example: { data: EXAMPLE_API_KEY },
    },
    errors: ['invalid_request', 'not_found', ...MANAGEMENT_ERRORS],
    sdkCall: `const key = await client.apiKeys.get({ hash: '${EXAMPLE_KEY_HASH}' });`,
  },
  {
    method: 'patch',
    path: '/api/v1/keys/{hash}',
    operationId: 'updateApiKey',
    summary: 'Update API key',
    description:
      'Renames, disables or re-limits a key; takes effect on its next request. Disabling the last enabled management key is refused (409). Management keys only.',
    tag: 'API Keys',
    auth: 'management',
    params: ApiKeyHashParamsSchema,
    parameterExamples: { hash: EXAMPLE_KEY_HASH },
    body: {
      name: 'UpdateApiKeyRequest',
      schema: UpdateApiKeyRequestSchema,
      example: { disabled: true },
    },
    response: {
      status: 200,
      name: 'ApiKeyResponse',
      schema: ApiKeyResponseSchema,
      description: 'The updated key.',
      example: { data: { ...EXAMPLE_API_KEY, disabled: true } },
    },
    errors: ['invalid_request', 'not_found', 'conflict', 'payload_too_large', ...MANAGEMENT_ERRORS],
    sdkCall: `const key = await client.apiKeys.update({ hash: '${EXAMPLE_KEY_HASH}', disabled: true });`,
  },
  {
    method: 'delete',
    path: '/api/v1/keys/{hash}',
    operationId: 'deleteApiKey',
    summary: 'Delete API key',
    description:
      'Deletes a key; its generations stay in the ledger. A key cannot delete itself, and the last enabled management key cannot be deleted (409). Management keys only.',
    tag: 'API Keys',
    auth: 'management',
    params: ApiKeyHashParamsSchema,
    parameterExamples: { hash: EXAMPLE_KEY_HASH },
    response: {
      status: 200,
      name: 'DeleteApiKeyResponse',
      schema: DeleteApiKeyResponseSchema,
      description: 'Deleted.',
      example: { deleted: true },
    },
    errors: ['invalid_request', 'not_found', 'conflict', ...MANAGEMENT_ERRORS],
    sdkCall: `await client.apiKeys.delete({ hash: '${EXAMPLE_KEY_HASH}' });`,
  },
  {
    method: 'get',
    path: '/api/v1/credits',
    operationId: 'getCredits',
    summary: 'Get credits',
    description:
      "The account's credit granted by operators and its total usage, in USD. Management keys only.",
    tag: 'Credits',
    auth: 'management',
    response: {
      status: 200,
      name: 'CreditsResponse',
      schema: CreditsResponseSchema,
      description: 'Credit and usage.',
      example: { data: { total_credits: 100, total_usage: 0.000045 } },
    },
    errors: MANAGEMENT_ERRORS,
    sdkCall: 'const credits = await client.credits.getCredits();',
  },
  {
    method: 'post',
    path: '/api/v1/credits',
    operationId: 'addCredits',
    summary: 'Add credits',
    description:
      'Tollgate extension: an operator adds credit to the account (a negative amount corrects it). Once any credit exists, requests the account cannot afford are refused with 402. Management keys only.',
    tag: 'Credits',
    auth: 'management',
    body: {
      name: 'AddCreditsRequest',
      schema: AddCreditsRequestSchema,
      example: { amount: 100, note: 'November top-up' },
    },
    response: {
      status: 201,
      name: 'CreditsResponse',
      schema: CreditsResponseSchema,
      description: 'Credit and usage after the grant.',
      example: { data: { total_credits: 100, total_usage: 0.000045 } },
    },
    errors: ['invalid_request', 'payload_too_large', ...MANAGEMENT_ERRORS],
    sdkCall:
      "const credits = await client.credits.createCredits({ amount: 100, note: 'November top-up' });",
  },
  {
    method: 'get',
    path: '/api/v1/credits/grants',
    operationId: 'listCreditGrants',
    summary: 'List credit grants',
    description:
      'Tollgate extension: the grants behind `total_credits`, newest first (by `created_at`, then `id`), each with its USD `amount` and the same amount exact as `amount_exact`. `limit` (1–1000, default 100) bounds how many of the newest are returned. Management keys only.',
    tag: 'Credits',
    auth: 'management',
    query: ListCreditGrantsQuerySchema,
    parameterExamples: { limit: '100' },
    response: {
      status: 200,
      name: 'CreditGrantsResponse',
      schema: CreditGrantsResponseSchema,
      description: 'The newest grants first.',
      example: {
        data: [
          {
            id: '5f0c6c1e-3b9a-4d7e-9a43-0d6f1b2c8e11',
            amount: 100,
            amount_exact: '100',
            note: 'November top-up',
            created_at: '2026-11-02T09:30:00.000Z',
          },
        ],
      },
    },
    errors: ['invalid_request', ...MANAGEMENT_ERRORS],
    sdkCall: "const grants = await client.credits.listGrants({ limit: '100' });",
  },
  {
    method: 'post',
    path: '/api/v1/credits/coinbase',
    operationId: 'createCoinbaseCharge',
    summary: 'Coinbase charge (retired)',
    description:
      'Retired, as on OpenRouter: always 410 Gone. Operators add credit with `POST /api/v1/credits`.',
    tag: 'Credits',
    auth: 'public',
    response: {
      status: 410,
      name: 'ErrorEnvelope',
      schema: ErrorEnvelopeSchema,
      description: 'Gone.',
      example: {
        error: {
          code: 410,
          message:
            'Coinbase payments are no longer supported; operators add credit with POST /api/v1/credits',
          metadata: null,
        },
      },
    },
    errors: [],
  },
];

const OAUTH_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const OAUTH: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/v1/auth/keys',
    operationId: 'exchangeAuthCodeForAPIKey',
    summary: 'Exchange an authorization code for an API key',
    description:
      'Step 3 of OAuth PKCE: the app sends the `code` its callback received (or the user copied, headless) and its `code_verifier`; the answer is a new inference key with the label and limit the user approved, listed in `GET /api/v1/keys`. No `Authorization` header. A code is single-use (any attempt uses it up) and expires 10 minutes after approval; the verifier is checked with the S256 or plain method the code was created with. See the OAuth guide.',
    tag: 'OAuth',
    auth: 'public',
    body: {
      name: 'ExchangeAuthCodeRequest',
      schema: ExchangeAuthCodeRequestSchema,
      example: {
        code: 'Zq8yVb2m3Kx0c1Rt4Uw5Yz6Ab7Cd8Ef9Gh0Ij1Kl2Mn',
        code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
        code_challenge_method: 'S256',
      },
    },
    response: {
      status: 200,
      name: 'ExchangeAuthCodeResponse',
      schema: ExchangeAuthCodeResponseSchema,
      description: 'The new key (only this response contains it).',
      example: { key: 'sk-tg-v1-…', user_id: null },
    },
    errors: ['invalid_request', 'forbidden', 'payload_too_large', 'internal'],
    errorNotes: {
      invalid_request: {
        title: 'Bad Request - a malformed body, or a code_challenge_method other than the code’s',
        message: 'Invalid code_challenge_method: the code was created with S256',
      },
      forbidden: {
        title: 'Forbidden - the code is unknown, used, expired, or the verifier does not match',
        message: 'Invalid code or code_verifier',
      },
    },
    sdkCall:
      "const { key } = await client.oAuth.exchangeAuthCodeForAPIKey({ code, codeVerifier, codeChallengeMethod: 'S256' });",
  },
  {
    method: 'post',
    path: '/api/v1/auth/keys/code',
    operationId: 'createAuthCode',
    summary: 'Create an authorization code',
    description:
      "Creates an authorization code server-side, as OpenRouter's: what the consent page at `/auth` calls when the user approves. `callback_url` must be on loopback (any port) or on an origin in the config's `oauth_callback_origins`; Tollgate extension: it may be omitted (headless) when `code_challenge` is given. `data.id` is the code. Management keys only.",
    tag: 'OAuth',
    auth: 'management',
    body: {
      name: 'CreateAuthCodeRequest',
      schema: CreateAuthCodeRequestSchema,
      example: {
        callback_url: 'http://localhost:3000/callback',
        code_challenge: OAUTH_CHALLENGE,
        code_challenge_method: 'S256',
        key_label: 'My app',
        limit: 5,
      },
    },
    response: {
      status: 200,
      name: 'CreateAuthCodeResponse',
      schema: CreateAuthCodeResponseSchema,
      description: 'The code (`data.id`), valid for 10 minutes.',
      example: {
        data: {
          id: 'Zq8yVb2m3Kx0c1Rt4Uw5Yz6Ab7Cd8Ef9Gh0Ij1Kl2Mn',
          app_id: 102_938_475_610,
          created_at: '2026-12-07T10:00:00.000Z',
        },
      },
    },
    errors: ['invalid_request', 'payload_too_large', ...MANAGEMENT_ERRORS],
    sdkCall:
      "const { data } = await client.oAuth.createAuthCode({ callbackUrl: 'http://localhost:3000/callback', codeChallenge, codeChallengeMethod: 'S256' });",
  },
  {
    method: 'get',
    path: '/auth',
    operationId: 'getConsentPage',
    summary: 'Consent page (OAuth PKCE)',
    description:
      "Step 1 of OAuth PKCE: an app sends its user here. The page shows the callback's origin, the key label and limit; the user signs in by pasting a management key and approves (the browser goes to `callback_url?code=…`) or denies (nothing is created). Without `callback_url` (headless) a `code_challenge` is required and the code is shown on the page. A refused request (callback not allowed, bad challenge) is an HTML page with status 400, never a redirect. Public; served offline with every asset inline.",
    tag: 'OAuth',
    auth: 'public',
    query: z.object({
      callback_url: z
        .string()
        .optional()
        .describe(
          'Where to send `?code=`: loopback (any port) or an `oauth_callback_origins` origin.',
        ),
      code_challenge: z.string().optional().describe('PKCE challenge (43-128 characters).'),
      code_challenge_method: z.enum(['S256', 'plain']).optional().describe('Default plain.'),
      key_label: z.string().optional().describe('Name of the key to create (≤ 100 characters).'),
      limit: z.string().optional().describe('Spending limit of the key, USD.'),
    }),
    parameterExamples: {
      callback_url: 'http://localhost:3000/callback',
      code_challenge: OAUTH_CHALLENGE,
      code_challenge_method: 'S256',
    },
    response: {
      status: 200,
      name: 'HtmlPage',
      schema: HTML_PAGE,
      description: 'The page.',
      mediaType: 'text/html',
    },
    errors: [],
  },
];

const CATALOG: readonly Operation[] = [
  {
    method: 'get',
    path: '/api/v1/models',
    operationId: 'listModels',
    summary: 'List available models',
    description:
      "Every model this gateway serves, with its first endpoint's prices. Public. Paging is opt-in (`offset`, `limit`); `supported_parameters` and `output_modalities` filter (comma lists).",
    tag: 'Models',
    auth: 'public',
    query: ModelsListQuerySchema,
    parameterExamples: { supported_parameters: 'tools' },
    response: {
      status: 200,
      name: 'ModelsListResponse',
      schema: ModelsListResponseSchema,
      description: 'The models.',
    },
    errors: ['invalid_request', 'internal'],
    sdkCall: "const models = await client.models.list({ supportedParameters: 'tools' });",
    openAICall: 'const models = await client.models.list();',
  },
  {
    method: 'get',
    path: '/api/v1/embeddings/models',
    operationId: 'listEmbeddingsModels',
    summary: 'List embedding models',
    description:
      'The models whose config says `output_modalities: [embeddings]`: the same listing as `/models?output_modalities=embeddings`. Public. Paging is opt-in (`offset`, `limit`).',
    tag: 'Embeddings',
    auth: 'public',
    query: EmbeddingsModelsQuerySchema,
    response: {
      status: 200,
      name: 'ModelsListResponse',
      schema: ModelsListResponseSchema,
      description: 'The embedding models.',
    },
    errors: ['invalid_request', 'internal'],
    sdkCall: 'const models = await client.embeddings.listModels();',
  },
  {
    method: 'get',
    path: '/api/v1/models/count',
    operationId: 'countModels',
    summary: 'Count models',
    description: 'How many models match `output_modalities` (default `text`). Public.',
    tag: 'Models',
    auth: 'public',
    query: ModelsCountQuerySchema,
    parameterExamples: { output_modalities: 'text' },
    response: {
      status: 200,
      name: 'ModelsCountResponse',
      schema: ModelsCountResponseSchema,
      description: 'The count.',
      example: { data: { count: 1 } },
    },
    errors: ['invalid_request', 'internal'],
    sdkCall: "const { data } = await client.models.count({ outputModalities: 'text' });",
  },
  {
    method: 'get',
    path: '/api/v1/model/{author}/{slug}',
    operationId: 'getModel',
    summary: 'Get a model',
    description: 'One model by its id (`<author>/<slug>`). Public.',
    tag: 'Models',
    auth: 'public',
    params: ModelPathSchema,
    parameterExamples: { author: 'tollgate', slug: 'demo' },
    response: {
      status: 200,
      name: 'ModelResponse',
      schema: ModelResponseSchema,
      description: 'The model.',
    },
    errors: ['not_found', 'internal'],
    sdkCall: "const model = await client.models.get({ author: 'tollgate', slug: 'demo' });",
  },
  {
    method: 'get',
    path: '/api/v1/models/{author}/{slug}/endpoints',
    operationId: 'listModelEndpoints',
    summary: 'List endpoints for a model',
    description:
      "Every provider endpoint serving the model, with its prices, limits and this node's live uptime, latency and throughput. Public.",
    tag: 'Models',
    auth: 'public',
    params: ModelPathSchema,
    parameterExamples: { author: 'tollgate', slug: 'demo' },
    response: {
      status: 200,
      name: 'ModelEndpointsResponse',
      schema: ModelEndpointsResponseSchema,
      description: 'The model and its endpoints.',
    },
    errors: ['not_found', 'internal'],
    sdkCall: "const endpoints = await client.endpoints.list({ author: 'tollgate', slug: 'demo' });",
  },
  {
    method: 'get',
    path: '/api/v1/providers',
    operationId: 'listProviders',
    summary: 'List available providers',
    description: 'Every upstream provider configured on this gateway. Public.',
    tag: 'Providers',
    auth: 'public',
    response: {
      status: 200,
      name: 'ProvidersResponse',
      schema: ProvidersResponseSchema,
      description: 'The providers.',
      example: {
        data: [
          {
            name: 'Tollgate Demo',
            slug: 'tollgate-demo',
            privacy_policy_url: null,
            terms_of_service_url: null,
            status_page_url: null,
          },
        ],
      },
    },
    errors: ['internal'],
    sdkCall: 'const providers = await client.providers.list();',
  },
];

const OpenApiDocumentSchema = z
  .looseObject({ openapi: z.string() })
  .describe('An OpenAPI 3.1 document.');

const GATEWAY: readonly Operation[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Health check',
    description: 'Liveness: 200 once the gateway is serving. Public.',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'HealthResponse',
      schema: HealthResponseSchema,
      description: 'Serving.',
      example: { status: 'ok' },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'getReadiness',
    summary: 'Readiness check',
    description:
      'Readiness: 200 when storage (and Redis, when configured) answer; otherwise 503 with the checks in `error.metadata.checks` and `Retry-After`, so a load balancer stops sending requests this node cannot serve. Public.',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'ReadyResponse',
      schema: ReadyResponseSchema,
      description: 'Ready.',
      example: { status: 'ok', checks: { storage: 'ok', redis: 'not_configured' } },
    },
    errors: ['no_provider_available'],
    errorNotes: {
      no_provider_available: {
        title: 'Service Unavailable - storage or Redis is unreachable (not ready)',
        message: 'Not ready: a dependency is unreachable',
      },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description:
      'Request, generation and cost metrics in the Prometheus text format. On by default (`metrics` in the config); when a metrics token is configured it requires `Authorization: Bearer <metrics token>` (not an API key), and answers 401 without it.',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'PrometheusText',
      schema: z.string().describe('Prometheus text exposition format 0.0.4.'),
      description: 'The metrics.',
      mediaType: 'text/plain',
    },
    errors: ['unauthenticated'],
    errorNotes: {
      unauthenticated: {
        title: 'Unauthorized - a metrics token is configured and was not presented',
        message: 'GET /metrics requires the metrics token',
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApiJson',
    summary: 'OpenAPI document (JSON)',
    description:
      "This reference as an OpenAPI 3.1 document, generated from the gateway's own wire schemas. Public.",
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'OpenApiDocument',
      schema: OpenApiDocumentSchema,
      description: 'The document.',
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/v1/openapi.yaml',
    operationId: 'getOpenApiYaml',
    summary: 'OpenAPI document (YAML)',
    description: 'The same document as YAML (`application/yaml`). Public.',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'OpenApiDocument',
      schema: OpenApiDocumentSchema,
      description: 'The document.',
      mediaType: 'application/yaml',
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getDocs',
    summary: 'API reference (this page)',
    description:
      'This interactive reference, served by the gateway itself with every asset (no CDN, no fonts or telemetry from the internet). Public.',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'HtmlPage',
      schema: HTML_PAGE,
      description: 'The page.',
      mediaType: 'text/html',
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs/guides',
    operationId: 'listGuides',
    summary: 'Guides',
    description:
      'The guides (quickstart, configuration, OAuth, the generation record, errors, models, self-hosting, multi-node, deployment, security) as plain HTML pages, rendered from `docs/`. Public.',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'HtmlPage',
      schema: z.string().describe('An HTML page.'),
      description: 'The index of the guides.',
      mediaType: 'text/html',
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs/guides/{name}',
    operationId: 'getGuide',
    summary: 'A guide',
    description:
      'One guide as an HTML page, by the name of its file in `docs/` without `.md`. Public.',
    tag: 'Gateway',
    auth: 'public',
    params: z.object({ name: z.string().describe('The guide (`quickstart`, `errors`, …).') }),
    parameterExamples: { name: 'quickstart' },
    response: {
      status: 200,
      name: 'HtmlPage',
      schema: z.string().describe('An HTML page.'),
      description: 'The guide.',
      mediaType: 'text/html',
    },
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/console',
    operationId: 'getConsole',
    summary: 'Web console',
    description:
      'The web console: sign in by pasting a key (kept in the tab’s session storage), then Activity (spend, requests and tokens over time), Generations (the log, filters, export, every record in detail), Keys and Credits (management keys). A static page built by `npm run build`, calling this API; 404 when it was not built. Public (the page holds no data).',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'HtmlPage',
      schema: z.string().describe('An HTML page.'),
      description: 'The page.',
      mediaType: 'text/html',
    },
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/',
    operationId: 'getRoot',
    summary: 'Web console (root)',
    description: 'The same page as `/console`.',
    tag: 'Gateway',
    auth: 'public',
    response: {
      status: 200,
      name: 'HtmlPage',
      schema: z.string().describe('An HTML page.'),
      description: 'The page.',
      mediaType: 'text/html',
    },
    errors: ['not_found'],
  },
];

/** Every endpoint Tollgate serves. */
export const OPERATIONS: readonly Operation[] = [
  ...INFERENCE,
  ...ACCOUNTING,
  ...OAUTH,
  ...CATALOG,
  ...GATEWAY,
];
