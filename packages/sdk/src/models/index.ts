/**
 * camelCase request and response models, each derived from the protocol's wire types (the zod
 * schemas the gateway itself validates with), so they cannot drift from the server.
 */
import type {
  ActivityQuerySchema,
  ActivityResponse,
  ActivitySummaryQuerySchema,
  ActivitySummaryResponse,
  AddCreditsRequestSchema,
  ApiKey,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequestSchema,
  CreateApiKeyRequestSchema,
  CreateAuthCodeRequestSchema,
  CreateAuthCodeResponse,
  CreditGrantsResponse,
  CreditsSchema,
  CurrentKeySchema,
  EmbeddingsRequestSchema,
  EmbeddingsResponse,
  ExchangeAuthCodeRequestSchema,
  ExchangeAuthCodeResponse,
  GetGenerationResponse,
  ListApiKeysQuerySchema,
  ListCreditGrantsQuerySchema,
  ListGenerationsQuerySchema,
  ListGenerationsResponse,
  ModelEndpointsResponse,
  ModelResponse,
  ModelsCountQuerySchema,
  ModelsCountResponse,
  ModelsListQuerySchema,
  ModelsListResponse,
  ProvidersResponse,
  TextCompletion,
  TextCompletionChunk,
  TextCompletionRequestSchema,
  UpdateApiKeyRequestSchema,
} from '@tollgate/protocol';
import type { CamelCased } from '../lib/case.js';

/** The output type of a zod 4 schema, without importing zod. */
type Output<Schema> = Schema extends { _zod: { output: infer Value } } ? Value : never;
/** The input type of a zod 4 schema (what a caller may send), without importing zod. */
type Input<Schema> = Schema extends { _zod: { input: infer Value } } ? Value : never;

/** `GET /generation` response: `data.totalCost`, `data.nativeTokensPrompt`, … */
export type GetGenerationResponseBody = CamelCased<GetGenerationResponse>;
/** One generation record. */
export type GenerationData = GetGenerationResponseBody['data'];
/** `GET /generation` request. */
export interface GetGenerationRequest {
  /** Generation id (`gen-…`). */
  id: string;
}

/** `GET /generations` query (Tollgate extension); `format` is always `json` here. */
export type ListGenerationsRequest = CamelCased<
  Omit<Input<typeof ListGenerationsQuerySchema>, 'format'>
>;
/** `GET /generations` page: `data` (records) and `nextCursor`. */
export type ListGenerationsResponseBody = CamelCased<ListGenerationsResponse>;
/** `GET /activity` query. */
export type GetActivityRequest = CamelCased<Input<typeof ActivityQuerySchema>>;
/** `GET /activity` response. */
export type GetActivityResponseBody = CamelCased<ActivityResponse>;
/** `GET /activity/summary` query (Tollgate extension). */
export type GetActivitySummaryRequest = CamelCased<Input<typeof ActivitySummaryQuerySchema>>;
/** `GET /activity/summary` response. */
export type GetActivitySummaryResponseBody = CamelCased<ActivitySummaryResponse>;

/** `POST /chat/completions` request (camelCase; snake_case keys are accepted as well). */
export type ChatRequest = CamelCased<Input<typeof ChatCompletionRequestSchema>>;
/** Non-stream chat completion. */
export type ChatResponse = CamelCased<ChatCompletion>;
/** One streamed chat chunk. */
export type ChatStreamChunk = CamelCased<ChatCompletionChunk>;

/** `POST /completions` request. */
export type CompletionRequest = CamelCased<Input<typeof TextCompletionRequestSchema>>;
/** Non-stream legacy completion. */
export type CompletionResponse = CamelCased<TextCompletion>;
/** One streamed legacy completion chunk. */
export type CompletionStreamChunk = CamelCased<TextCompletionChunk>;

/** `POST /embeddings` request. */
export type EmbeddingsRequest = CamelCased<Input<typeof EmbeddingsRequestSchema>>;
/** `POST /embeddings` response. */
export type EmbeddingsResponseBody = CamelCased<EmbeddingsResponse>;

/** `GET /models` query. */
export type ListModelsRequest = CamelCased<Input<typeof ModelsListQuerySchema>>;
/** `GET /models` response. */
export type ListModelsResponseBody = CamelCased<ModelsListResponse>;
/** `GET /models/count` query. */
export type CountModelsRequest = CamelCased<Input<typeof ModelsCountQuerySchema>>;
/** `GET /models/count` response. */
export type CountModelsResponseBody = CamelCased<ModelsCountResponse>;
/** A model named by author and slug, e.g. `{ author: 'openai', slug: 'gpt-4o' }`. */
export interface ModelPathRequest {
  author: string;
  slug: string;
}
/** `GET /model/{author}/{slug}` response. */
export type GetModelResponseBody = CamelCased<ModelResponse>;
/** `GET /models/{author}/{slug}/endpoints` response. */
export type ListEndpointsResponseBody = CamelCased<ModelEndpointsResponse>;
/** `GET /providers` response. */
export type ListProvidersResponseBody = CamelCased<ProvidersResponse>;

/** `GET /credits` response. */
export type GetCreditsResponseBody = CamelCased<{ data: Output<typeof CreditsSchema> }>;
/** `POST /credits` request (Tollgate extension). */
export type CreateCreditsRequest = CamelCased<Input<typeof AddCreditsRequestSchema>>;
/** `POST /credits` response: the new totals. */
export type CreateCreditsResponseBody = GetCreditsResponseBody;
/** `GET /credits/grants` query (Tollgate extension). */
export type ListCreditGrantsRequest = CamelCased<Input<typeof ListCreditGrantsQuerySchema>>;
/** `GET /credits/grants` response: `data`, the newest grants first. */
export type ListCreditGrantsResponseBody = CamelCased<CreditGrantsResponse>;
/** One credit grant: `amount` (USD number), `amountExact` (decimal string), `note`, `createdAt`. */
export type CreditGrantData = ListCreditGrantsResponseBody['data'][number];

/** One API key (camelCase). */
export type ApiKeyData = CamelCased<ApiKey>;
/** `GET /keys` query. */
export type ListApiKeysRequest = CamelCased<Input<typeof ListApiKeysQuerySchema>>;
/** `GET /keys` response. */
export interface ListApiKeysResponseBody {
  data: ApiKeyData[];
}
/** `POST /keys` request. */
export type CreateApiKeyRequest = CamelCased<Input<typeof CreateApiKeyRequestSchema>>;
/** `POST /keys` response: the record and the secret key (shown only here). */
export interface CreateApiKeyResponseBody {
  data: ApiKeyData;
  key: string;
}
/** A key named by its hash. */
export interface ApiKeyHashRequest {
  /** Hex SHA-256 of the key. */
  hash: string;
}
/** `GET /keys/{hash}` response. */
export interface GetApiKeyResponseBody {
  data: ApiKeyData;
}
/** `PATCH /keys/{hash}` request: the hash and the fields to change. */
export type UpdateApiKeyRequest = ApiKeyHashRequest &
  CamelCased<Input<typeof UpdateApiKeyRequestSchema>>;
/** `PATCH /keys/{hash}` response. */
export type UpdateApiKeyResponseBody = GetApiKeyResponseBody;
/** `DELETE /keys/{hash}` response. */
export interface DeleteApiKeyResponseBody {
  deleted: boolean;
}
/** `GET /key` response: the calling key. */
export type GetCurrentKeyResponseBody = CamelCased<{ data: Output<typeof CurrentKeySchema> }>;

/** `POST /auth/keys` request: the code, and the PKCE verifier when the code has a challenge. */
export type ExchangeAuthCodeRequest = CamelCased<Input<typeof ExchangeAuthCodeRequestSchema>>;
/** `POST /auth/keys` response: the new key (shown only here) and the approver's user id. */
export type ExchangeAuthCodeResponseBody = CamelCased<ExchangeAuthCodeResponse>;
/** `POST /auth/keys/code` request. */
export type CreateAuthCodeRequest = CamelCased<Input<typeof CreateAuthCodeRequestSchema>>;
/** `POST /auth/keys/code` response: `data.id` is the code. */
export type CreateAuthCodeResponseBody = CamelCased<CreateAuthCodeResponse>;
