/**
 * React Query bindings: for every read operation `use<Op>`, `use<Op>Suspense`, `prefetch<Op>`,
 * `invalidate<Op>`, `invalidateAll<Op>`, `build<Op>Query` and `<op>QueryKey`; for every write
 * operation `use<Op>Mutation` and `build<Op>Mutation`. Generated from the standalone functions
 * by two factories, so every operation behaves the same way.
 */
import { activityGetSummary } from '../funcs/activity-get-summary.js';
import { activityGetUserActivity } from '../funcs/activity-get-user-activity.js';
import { apiKeysCreate } from '../funcs/api-keys-create.js';
import { apiKeysDelete } from '../funcs/api-keys-delete.js';
import { apiKeysGet } from '../funcs/api-keys-get.js';
import { apiKeysGetCurrentKeyMetadata } from '../funcs/api-keys-get-current-key-metadata.js';
import { apiKeysList } from '../funcs/api-keys-list.js';
import { apiKeysUpdate } from '../funcs/api-keys-update.js';
import { chatSend } from '../funcs/chat-send.js';
import { completionsGenerate } from '../funcs/completions-generate.js';
import { creditsCreateCredits } from '../funcs/credits-create-credits.js';
import { creditsGetCredits } from '../funcs/credits-get-credits.js';
import { creditsListGrants } from '../funcs/credits-list-grants.js';
import { embeddingsGenerate } from '../funcs/embeddings-generate.js';
import { endpointsList } from '../funcs/endpoints-list.js';
import { generationsGetGeneration } from '../funcs/generations-get-generation.js';
import { generationsList } from '../funcs/generations-list.js';
import { modelsCount } from '../funcs/models-count.js';
import { modelsGet } from '../funcs/models-get.js';
import { modelsList } from '../funcs/models-list.js';
import { oAuthCreateAuthCode } from '../funcs/oauth-create-auth-code.js';
import { oAuthExchangeAuthCodeForAPIKey } from '../funcs/oauth-exchange-auth-code-for-api-key.js';
import { providersList } from '../funcs/providers-list.js';
import type {
  ApiKeyHashRequest,
  ChatRequest,
  ChatResponse,
  CompletionRequest,
  CompletionResponse,
  CountModelsRequest,
  CountModelsResponseBody,
  CreateApiKeyRequest,
  CreateApiKeyResponseBody,
  CreateAuthCodeRequest,
  CreateAuthCodeResponseBody,
  CreateCreditsRequest,
  CreateCreditsResponseBody,
  DeleteApiKeyResponseBody,
  EmbeddingsRequest,
  EmbeddingsResponseBody,
  ExchangeAuthCodeRequest,
  ExchangeAuthCodeResponseBody,
  GetActivityRequest,
  GetActivityResponseBody,
  GetActivitySummaryRequest,
  GetActivitySummaryResponseBody,
  GetApiKeyResponseBody,
  GetCreditsResponseBody,
  GetCurrentKeyResponseBody,
  GetGenerationRequest,
  GetGenerationResponseBody,
  GetModelResponseBody,
  ListApiKeysRequest,
  ListApiKeysResponseBody,
  ListCreditGrantsRequest,
  ListCreditGrantsResponseBody,
  ListEndpointsResponseBody,
  ListGenerationsRequest,
  ListGenerationsResponseBody,
  ListModelsRequest,
  ListModelsResponseBody,
  ListProvidersResponseBody,
  ModelPathRequest,
  UpdateApiKeyRequest,
  UpdateApiKeyResponseBody,
} from '../models/index.js';
import { defineMutation, defineQuery } from './define-operation.js';

/** Query key, options, hooks and cache helpers of `generationsGetGeneration`. */
const generationsGetGenerationQuery = /* @__PURE__ */ defineQuery<
  GetGenerationRequest,
  GetGenerationResponseBody
>('generationsGetGeneration', generationsGetGeneration);
/** The query key of `generationsGetGeneration` (without a request: every generationsGetGeneration query). */
export const generationsGetGenerationQueryKey = generationsGetGenerationQuery.key;
/** `queryOptions` for `generationsGetGeneration`: `useQuery(buildGenerationsGetGenerationQuery(core, request))`. */
export const buildGenerationsGetGenerationQuery = generationsGetGenerationQuery.build;
/** React hook: `generationsGetGeneration` through React Query. */
export const useGenerationsGetGeneration = generationsGetGenerationQuery.useQuery;
/** Suspense hook: `generationsGetGeneration` through React Query. */
export const useGenerationsGetGenerationSuspense = generationsGetGenerationQuery.useSuspense;
/** Fetches `generationsGetGeneration` into the cache ahead of render (SSR, route loaders). */
export const prefetchGenerationsGetGeneration = generationsGetGenerationQuery.prefetch;
/** Invalidates the cached `generationsGetGeneration` for one request. */
export const invalidateGenerationsGetGeneration = generationsGetGenerationQuery.invalidate;
/** Invalidates every cached `generationsGetGeneration`. */
export const invalidateAllGenerationsGetGeneration = generationsGetGenerationQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `modelsList`. */
const modelsListQuery = /* @__PURE__ */ defineQuery<
  ListModelsRequest | undefined,
  ListModelsResponseBody
>('modelsList', (core, request, options) =>
  modelsList(core, request as ListModelsRequest | undefined, options),
);
/** The query key of `modelsList` (without a request: every modelsList query). */
export const modelsListQueryKey = modelsListQuery.key;
/** `queryOptions` for `modelsList`: `useQuery(buildModelsListQuery(core, request))`. */
export const buildModelsListQuery = modelsListQuery.build;
/** React hook: `modelsList` through React Query. */
export const useModelsList = modelsListQuery.useQuery;
/** Suspense hook: `modelsList` through React Query. */
export const useModelsListSuspense = modelsListQuery.useSuspense;
/** Fetches `modelsList` into the cache ahead of render (SSR, route loaders). */
export const prefetchModelsList = modelsListQuery.prefetch;
/** Invalidates the cached `modelsList` for one request. */
export const invalidateModelsList = modelsListQuery.invalidate;
/** Invalidates every cached `modelsList`. */
export const invalidateAllModelsList = modelsListQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `modelsGet`. */
const modelsGetQuery = /* @__PURE__ */ defineQuery<ModelPathRequest, GetModelResponseBody>(
  'modelsGet',
  modelsGet,
);
/** The query key of `modelsGet` (without a request: every modelsGet query). */
export const modelsGetQueryKey = modelsGetQuery.key;
/** `queryOptions` for `modelsGet`: `useQuery(buildModelsGetQuery(core, request))`. */
export const buildModelsGetQuery = modelsGetQuery.build;
/** React hook: `modelsGet` through React Query. */
export const useModelsGet = modelsGetQuery.useQuery;
/** Suspense hook: `modelsGet` through React Query. */
export const useModelsGetSuspense = modelsGetQuery.useSuspense;
/** Fetches `modelsGet` into the cache ahead of render (SSR, route loaders). */
export const prefetchModelsGet = modelsGetQuery.prefetch;
/** Invalidates the cached `modelsGet` for one request. */
export const invalidateModelsGet = modelsGetQuery.invalidate;
/** Invalidates every cached `modelsGet`. */
export const invalidateAllModelsGet = modelsGetQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `modelsCount`. */
const modelsCountQuery = /* @__PURE__ */ defineQuery<
  CountModelsRequest | undefined,
  CountModelsResponseBody
>('modelsCount', (core, request, options) =>
  modelsCount(core, request as CountModelsRequest | undefined, options),
);
/** The query key of `modelsCount` (without a request: every modelsCount query). */
export const modelsCountQueryKey = modelsCountQuery.key;
/** `queryOptions` for `modelsCount`: `useQuery(buildModelsCountQuery(core, request))`. */
export const buildModelsCountQuery = modelsCountQuery.build;
/** React hook: `modelsCount` through React Query. */
export const useModelsCount = modelsCountQuery.useQuery;
/** Suspense hook: `modelsCount` through React Query. */
export const useModelsCountSuspense = modelsCountQuery.useSuspense;
/** Fetches `modelsCount` into the cache ahead of render (SSR, route loaders). */
export const prefetchModelsCount = modelsCountQuery.prefetch;
/** Invalidates the cached `modelsCount` for one request. */
export const invalidateModelsCount = modelsCountQuery.invalidate;
/** Invalidates every cached `modelsCount`. */
export const invalidateAllModelsCount = modelsCountQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `endpointsList`. */
const endpointsListQuery = /* @__PURE__ */ defineQuery<ModelPathRequest, ListEndpointsResponseBody>(
  'endpointsList',
  endpointsList,
);
/** The query key of `endpointsList` (without a request: every endpointsList query). */
export const endpointsListQueryKey = endpointsListQuery.key;
/** `queryOptions` for `endpointsList`: `useQuery(buildEndpointsListQuery(core, request))`. */
export const buildEndpointsListQuery = endpointsListQuery.build;
/** React hook: `endpointsList` through React Query. */
export const useEndpointsList = endpointsListQuery.useQuery;
/** Suspense hook: `endpointsList` through React Query. */
export const useEndpointsListSuspense = endpointsListQuery.useSuspense;
/** Fetches `endpointsList` into the cache ahead of render (SSR, route loaders). */
export const prefetchEndpointsList = endpointsListQuery.prefetch;
/** Invalidates the cached `endpointsList` for one request. */
export const invalidateEndpointsList = endpointsListQuery.invalidate;
/** Invalidates every cached `endpointsList`. */
export const invalidateAllEndpointsList = endpointsListQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `providersList`. */
const providersListQuery = /* @__PURE__ */ defineQuery<void, ListProvidersResponseBody>(
  'providersList',
  (core, _request, options) => providersList(core, options),
);
/** The query key of `providersList` (without a request: every providersList query). */
export const providersListQueryKey = providersListQuery.key;
/** `queryOptions` for `providersList`: `useQuery(buildProvidersListQuery(core, request))`. */
export const buildProvidersListQuery = providersListQuery.build;
/** React hook: `providersList` through React Query. */
export const useProvidersList = providersListQuery.useQuery;
/** Suspense hook: `providersList` through React Query. */
export const useProvidersListSuspense = providersListQuery.useSuspense;
/** Fetches `providersList` into the cache ahead of render (SSR, route loaders). */
export const prefetchProvidersList = providersListQuery.prefetch;
/** Invalidates the cached `providersList` for one request. */
export const invalidateProvidersList = providersListQuery.invalidate;
/** Invalidates every cached `providersList`. */
export const invalidateAllProvidersList = providersListQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `creditsGetCredits`. */
const creditsGetCreditsQuery = /* @__PURE__ */ defineQuery<void, GetCreditsResponseBody>(
  'creditsGetCredits',
  (core, _request, options) => creditsGetCredits(core, options),
);
/** The query key of `creditsGetCredits` (without a request: every creditsGetCredits query). */
export const creditsGetCreditsQueryKey = creditsGetCreditsQuery.key;
/** `queryOptions` for `creditsGetCredits`: `useQuery(buildCreditsGetCreditsQuery(core, request))`. */
export const buildCreditsGetCreditsQuery = creditsGetCreditsQuery.build;
/** React hook: `creditsGetCredits` through React Query. */
export const useCreditsGetCredits = creditsGetCreditsQuery.useQuery;
/** Suspense hook: `creditsGetCredits` through React Query. */
export const useCreditsGetCreditsSuspense = creditsGetCreditsQuery.useSuspense;
/** Fetches `creditsGetCredits` into the cache ahead of render (SSR, route loaders). */
export const prefetchCreditsGetCredits = creditsGetCreditsQuery.prefetch;
/** Invalidates the cached `creditsGetCredits` for one request. */
export const invalidateCreditsGetCredits = creditsGetCreditsQuery.invalidate;
/** Invalidates every cached `creditsGetCredits`. */
export const invalidateAllCreditsGetCredits = creditsGetCreditsQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `creditsListGrants`. */
const creditsListGrantsQuery = /* @__PURE__ */ defineQuery<
  ListCreditGrantsRequest,
  ListCreditGrantsResponseBody
>('creditsListGrants', creditsListGrants);
/** The query key of `creditsListGrants` (without a request: every creditsListGrants query). */
export const creditsListGrantsQueryKey = creditsListGrantsQuery.key;
/** `queryOptions` for `creditsListGrants`: `useQuery(buildCreditsListGrantsQuery(core, request))`. */
export const buildCreditsListGrantsQuery = creditsListGrantsQuery.build;
/** React hook: `creditsListGrants` through React Query. */
export const useCreditsListGrants = creditsListGrantsQuery.useQuery;
/** Suspense hook: `creditsListGrants` through React Query. */
export const useCreditsListGrantsSuspense = creditsListGrantsQuery.useSuspense;
/** Fetches `creditsListGrants` into the cache ahead of render (SSR, route loaders). */
export const prefetchCreditsListGrants = creditsListGrantsQuery.prefetch;
/** Invalidates the cached `creditsListGrants` for one request. */
export const invalidateCreditsListGrants = creditsListGrantsQuery.invalidate;
/** Invalidates every cached `creditsListGrants`. */
export const invalidateAllCreditsListGrants = creditsListGrantsQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `apiKeysList`. */
const apiKeysListQuery = /* @__PURE__ */ defineQuery<
  ListApiKeysRequest | undefined,
  ListApiKeysResponseBody
>('apiKeysList', (core, request, options) =>
  apiKeysList(core, request as ListApiKeysRequest | undefined, options),
);
/** The query key of `apiKeysList` (without a request: every apiKeysList query). */
export const apiKeysListQueryKey = apiKeysListQuery.key;
/** `queryOptions` for `apiKeysList`: `useQuery(buildApiKeysListQuery(core, request))`. */
export const buildApiKeysListQuery = apiKeysListQuery.build;
/** React hook: `apiKeysList` through React Query. */
export const useApiKeysList = apiKeysListQuery.useQuery;
/** Suspense hook: `apiKeysList` through React Query. */
export const useApiKeysListSuspense = apiKeysListQuery.useSuspense;
/** Fetches `apiKeysList` into the cache ahead of render (SSR, route loaders). */
export const prefetchApiKeysList = apiKeysListQuery.prefetch;
/** Invalidates the cached `apiKeysList` for one request. */
export const invalidateApiKeysList = apiKeysListQuery.invalidate;
/** Invalidates every cached `apiKeysList`. */
export const invalidateAllApiKeysList = apiKeysListQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `apiKeysGet`. */
const apiKeysGetQuery = /* @__PURE__ */ defineQuery<ApiKeyHashRequest, GetApiKeyResponseBody>(
  'apiKeysGet',
  apiKeysGet,
);
/** The query key of `apiKeysGet` (without a request: every apiKeysGet query). */
export const apiKeysGetQueryKey = apiKeysGetQuery.key;
/** `queryOptions` for `apiKeysGet`: `useQuery(buildApiKeysGetQuery(core, request))`. */
export const buildApiKeysGetQuery = apiKeysGetQuery.build;
/** React hook: `apiKeysGet` through React Query. */
export const useApiKeysGet = apiKeysGetQuery.useQuery;
/** Suspense hook: `apiKeysGet` through React Query. */
export const useApiKeysGetSuspense = apiKeysGetQuery.useSuspense;
/** Fetches `apiKeysGet` into the cache ahead of render (SSR, route loaders). */
export const prefetchApiKeysGet = apiKeysGetQuery.prefetch;
/** Invalidates the cached `apiKeysGet` for one request. */
export const invalidateApiKeysGet = apiKeysGetQuery.invalidate;
/** Invalidates every cached `apiKeysGet`. */
export const invalidateAllApiKeysGet = apiKeysGetQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `apiKeysGetCurrentKeyMetadata`. */
const apiKeysGetCurrentKeyMetadataQuery = /* @__PURE__ */ defineQuery<
  void,
  GetCurrentKeyResponseBody
>('apiKeysGetCurrentKeyMetadata', (core, _request, options) =>
  apiKeysGetCurrentKeyMetadata(core, options),
);
/** The query key of `apiKeysGetCurrentKeyMetadata` (without a request: every apiKeysGetCurrentKeyMetadata query). */
export const apiKeysGetCurrentKeyMetadataQueryKey = apiKeysGetCurrentKeyMetadataQuery.key;
/** `queryOptions` for `apiKeysGetCurrentKeyMetadata`: `useQuery(buildApiKeysGetCurrentKeyMetadataQuery(core, request))`. */
export const buildApiKeysGetCurrentKeyMetadataQuery = apiKeysGetCurrentKeyMetadataQuery.build;
/** React hook: `apiKeysGetCurrentKeyMetadata` through React Query. */
export const useApiKeysGetCurrentKeyMetadata = apiKeysGetCurrentKeyMetadataQuery.useQuery;
/** Suspense hook: `apiKeysGetCurrentKeyMetadata` through React Query. */
export const useApiKeysGetCurrentKeyMetadataSuspense =
  apiKeysGetCurrentKeyMetadataQuery.useSuspense;
/** Fetches `apiKeysGetCurrentKeyMetadata` into the cache ahead of render (SSR, route loaders). */
export const prefetchApiKeysGetCurrentKeyMetadata = apiKeysGetCurrentKeyMetadataQuery.prefetch;
/** Invalidates the cached `apiKeysGetCurrentKeyMetadata` for one request. */
export const invalidateApiKeysGetCurrentKeyMetadata = apiKeysGetCurrentKeyMetadataQuery.invalidate;
/** Invalidates every cached `apiKeysGetCurrentKeyMetadata`. */
export const invalidateAllApiKeysGetCurrentKeyMetadata =
  apiKeysGetCurrentKeyMetadataQuery.invalidateAll;

/** Mutation options and hook of `chatSend`. */
const chatSendMutation = /* @__PURE__ */ defineMutation<
  ChatRequest & { stream?: false | undefined },
  ChatResponse
>('chatSend', (core, request: ChatRequest & { stream?: false | undefined }, options) =>
  chatSend(core, request, options),
);
/** `mutationOptions` for `chatSend`: `useMutation(buildChatSendMutation(core))`. */
export const buildChatSendMutation = chatSendMutation.build;
/** React mutation hook: `chatSend` through React Query. */
export const useChatSendMutation = chatSendMutation.useMutation;

/** Mutation options and hook of `completionsGenerate`. */
const completionsGenerateMutation = /* @__PURE__ */ defineMutation<
  CompletionRequest & { stream?: false | undefined },
  CompletionResponse
>(
  'completionsGenerate',
  (core, request: CompletionRequest & { stream?: false | undefined }, options) =>
    completionsGenerate(core, request, options),
);
/** `mutationOptions` for `completionsGenerate`: `useMutation(buildCompletionsGenerateMutation(core))`. */
export const buildCompletionsGenerateMutation = completionsGenerateMutation.build;
/** React mutation hook: `completionsGenerate` through React Query. */
export const useCompletionsGenerateMutation = completionsGenerateMutation.useMutation;

/** Mutation options and hook of `embeddingsGenerate`. */
const embeddingsGenerateMutation = /* @__PURE__ */ defineMutation<
  EmbeddingsRequest,
  EmbeddingsResponseBody
>('embeddingsGenerate', embeddingsGenerate);
/** `mutationOptions` for `embeddingsGenerate`: `useMutation(buildEmbeddingsGenerateMutation(core))`. */
export const buildEmbeddingsGenerateMutation = embeddingsGenerateMutation.build;
/** React mutation hook: `embeddingsGenerate` through React Query. */
export const useEmbeddingsGenerateMutation = embeddingsGenerateMutation.useMutation;

/** Mutation options and hook of `creditsCreateCredits`. */
const creditsCreateCreditsMutation = /* @__PURE__ */ defineMutation<
  CreateCreditsRequest,
  CreateCreditsResponseBody
>('creditsCreateCredits', creditsCreateCredits);
/** `mutationOptions` for `creditsCreateCredits`: `useMutation(buildCreditsCreateCreditsMutation(core))`. */
export const buildCreditsCreateCreditsMutation = creditsCreateCreditsMutation.build;
/** React mutation hook: `creditsCreateCredits` through React Query. */
export const useCreditsCreateCreditsMutation = creditsCreateCreditsMutation.useMutation;

/** Mutation options and hook of `apiKeysCreate`. */
const apiKeysCreateMutation = /* @__PURE__ */ defineMutation<
  CreateApiKeyRequest,
  CreateApiKeyResponseBody
>('apiKeysCreate', apiKeysCreate);
/** `mutationOptions` for `apiKeysCreate`: `useMutation(buildApiKeysCreateMutation(core))`. */
export const buildApiKeysCreateMutation = apiKeysCreateMutation.build;
/** React mutation hook: `apiKeysCreate` through React Query. */
export const useApiKeysCreateMutation = apiKeysCreateMutation.useMutation;

/** Mutation options and hook of `apiKeysUpdate`. */
const apiKeysUpdateMutation = /* @__PURE__ */ defineMutation<
  UpdateApiKeyRequest,
  UpdateApiKeyResponseBody
>('apiKeysUpdate', apiKeysUpdate);
/** `mutationOptions` for `apiKeysUpdate`: `useMutation(buildApiKeysUpdateMutation(core))`. */
export const buildApiKeysUpdateMutation = apiKeysUpdateMutation.build;
/** React mutation hook: `apiKeysUpdate` through React Query. */
export const useApiKeysUpdateMutation = apiKeysUpdateMutation.useMutation;

/** Mutation options and hook of `apiKeysDelete`. */
const apiKeysDeleteMutation = /* @__PURE__ */ defineMutation<
  ApiKeyHashRequest,
  DeleteApiKeyResponseBody
>('apiKeysDelete', apiKeysDelete);
/** `mutationOptions` for `apiKeysDelete`: `useMutation(buildApiKeysDeleteMutation(core))`. */
export const buildApiKeysDeleteMutation = apiKeysDeleteMutation.build;
/** React mutation hook: `apiKeysDelete` through React Query. */
export const useApiKeysDeleteMutation = apiKeysDeleteMutation.useMutation;

/** Query key, options, hooks and cache helpers of `generationsList`. */
const generationsListQuery = /* @__PURE__ */ defineQuery<
  ListGenerationsRequest,
  ListGenerationsResponseBody
>('generationsList', generationsList);
/** The query key of `generationsList` (without a request: every generationsList query). */
export const generationsListQueryKey = generationsListQuery.key;
/** `queryOptions` for `generationsList`: `useQuery(buildGenerationsListQuery(core, request))`. */
export const buildGenerationsListQuery = generationsListQuery.build;
/** React hook: `generationsList` through React Query. */
export const useGenerationsList = generationsListQuery.useQuery;
/** Suspense hook: `generationsList` through React Query. */
export const useGenerationsListSuspense = generationsListQuery.useSuspense;
/** Fetches `generationsList` into the cache ahead of render (SSR, route loaders). */
export const prefetchGenerationsList = generationsListQuery.prefetch;
/** Invalidates the cached `generationsList` for one request. */
export const invalidateGenerationsList = generationsListQuery.invalidate;
/** Invalidates every cached `generationsList`. */
export const invalidateAllGenerationsList = generationsListQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `activityGetUserActivity`. */
const activityGetUserActivityQuery = /* @__PURE__ */ defineQuery<
  GetActivityRequest,
  GetActivityResponseBody
>('activityGetUserActivity', activityGetUserActivity);
/** The query key of `activityGetUserActivity` (without a request: every activityGetUserActivity query). */
export const activityGetUserActivityQueryKey = activityGetUserActivityQuery.key;
/** `queryOptions` for `activityGetUserActivity`: `useQuery(buildActivityGetUserActivityQuery(core, request))`. */
export const buildActivityGetUserActivityQuery = activityGetUserActivityQuery.build;
/** React hook: `activityGetUserActivity` through React Query. */
export const useActivityGetUserActivity = activityGetUserActivityQuery.useQuery;
/** Suspense hook: `activityGetUserActivity` through React Query. */
export const useActivityGetUserActivitySuspense = activityGetUserActivityQuery.useSuspense;
/** Fetches `activityGetUserActivity` into the cache ahead of render (SSR, route loaders). */
export const prefetchActivityGetUserActivity = activityGetUserActivityQuery.prefetch;
/** Invalidates the cached `activityGetUserActivity` for one request. */
export const invalidateActivityGetUserActivity = activityGetUserActivityQuery.invalidate;
/** Invalidates every cached `activityGetUserActivity`. */
export const invalidateAllActivityGetUserActivity = activityGetUserActivityQuery.invalidateAll;

/** Query key, options, hooks and cache helpers of `activityGetSummary`. */
const activityGetSummaryQuery = /* @__PURE__ */ defineQuery<
  GetActivitySummaryRequest,
  GetActivitySummaryResponseBody
>('activityGetSummary', activityGetSummary);
/** The query key of `activityGetSummary` (without a request: every activityGetSummary query). */
export const activityGetSummaryQueryKey = activityGetSummaryQuery.key;
/** `queryOptions` for `activityGetSummary`: `useQuery(buildActivityGetSummaryQuery(core, request))`. */
export const buildActivityGetSummaryQuery = activityGetSummaryQuery.build;
/** React hook: `activityGetSummary` through React Query. */
export const useActivityGetSummary = activityGetSummaryQuery.useQuery;
/** Suspense hook: `activityGetSummary` through React Query. */
export const useActivityGetSummarySuspense = activityGetSummaryQuery.useSuspense;
/** Fetches `activityGetSummary` into the cache ahead of render (SSR, route loaders). */
export const prefetchActivityGetSummary = activityGetSummaryQuery.prefetch;
/** Invalidates the cached `activityGetSummary` for one request. */
export const invalidateActivityGetSummary = activityGetSummaryQuery.invalidate;
/** Invalidates every cached `activityGetSummary`. */
export const invalidateAllActivityGetSummary = activityGetSummaryQuery.invalidateAll;
/** Mutation options and hook of `oAuthExchangeAuthCodeForAPIKey`. */
const oAuthExchangeAuthCodeForAPIKeyMutation = /* @__PURE__ */ defineMutation<
  ExchangeAuthCodeRequest,
  ExchangeAuthCodeResponseBody
>('oAuthExchangeAuthCodeForAPIKey', oAuthExchangeAuthCodeForAPIKey);
/** `mutationOptions` for `oAuthExchangeAuthCodeForAPIKey`: `useMutation(buildOAuthExchangeAuthCodeForAPIKeyMutation(core))`. */
export const buildOAuthExchangeAuthCodeForAPIKeyMutation =
  oAuthExchangeAuthCodeForAPIKeyMutation.build;
/** React mutation hook: `oAuthExchangeAuthCodeForAPIKey` (the OAuth callback's exchange) through React Query. */
export const useOAuthExchangeAuthCodeForAPIKeyMutation =
  oAuthExchangeAuthCodeForAPIKeyMutation.useMutation;

/** Mutation options and hook of `oAuthCreateAuthCode`. */
const oAuthCreateAuthCodeMutation = /* @__PURE__ */ defineMutation<
  CreateAuthCodeRequest,
  CreateAuthCodeResponseBody
>('oAuthCreateAuthCode', oAuthCreateAuthCode);
/** `mutationOptions` for `oAuthCreateAuthCode`: `useMutation(buildOAuthCreateAuthCodeMutation(core))`. */
export const buildOAuthCreateAuthCodeMutation = oAuthCreateAuthCodeMutation.build;
/** React mutation hook: `oAuthCreateAuthCode` through React Query. */
export const useOAuthCreateAuthCodeMutation = oAuthCreateAuthCodeMutation.useMutation;
