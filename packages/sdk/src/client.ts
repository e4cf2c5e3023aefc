import { type RequestOptions, TollgateCore, type TollgateOptions } from './core.js';
import { activityGetSummary } from './funcs/activity-get-summary.js';
import { activityGetUserActivity } from './funcs/activity-get-user-activity.js';
import { apiKeysCreate } from './funcs/api-keys-create.js';
import { apiKeysDelete } from './funcs/api-keys-delete.js';
import { apiKeysGet } from './funcs/api-keys-get.js';
import { apiKeysGetCurrentKeyMetadata } from './funcs/api-keys-get-current-key-metadata.js';
import { apiKeysList } from './funcs/api-keys-list.js';
import { apiKeysUpdate } from './funcs/api-keys-update.js';
import { type ChatStreamRequest, chatSend } from './funcs/chat-send.js';
import { completionsGenerate } from './funcs/completions-generate.js';
import { creditsCreateCredits } from './funcs/credits-create-credits.js';
import { creditsGetCredits } from './funcs/credits-get-credits.js';
import { creditsListGrants } from './funcs/credits-list-grants.js';
import { embeddingsGenerate } from './funcs/embeddings-generate.js';
import { endpointsList } from './funcs/endpoints-list.js';
import { generationsGetGeneration } from './funcs/generations-get-generation.js';
import { generationsList } from './funcs/generations-list.js';
import { modelsCount } from './funcs/models-count.js';
import { modelsGet } from './funcs/models-get.js';
import { modelsList } from './funcs/models-list.js';
import { oAuthCreateAuthCode } from './funcs/oauth-create-auth-code.js';
import { oAuthExchangeAuthCodeForAPIKey } from './funcs/oauth-exchange-auth-code-for-api-key.js';
import { providersList } from './funcs/providers-list.js';
import type { EventStream } from './lib/event-stream.js';
import { unwrap } from './lib/result.js';
import type * as models from './models/index.js';

/** Resources share the core; every method unwraps its standalone function's Result. */
class Resource {
  protected readonly core: TollgateCore;
  constructor(core: TollgateCore) {
    this.core = core;
  }
}

/** `/generation`. */
export class Generations extends Resource {
  /** The metered record of a generation. See {@link generationsGetGeneration}. */
  async getGeneration(request: models.GetGenerationRequest, options?: RequestOptions) {
    return unwrap(await generationsGetGeneration(this.core, request, options));
  }
  /** One page of the generations log (Tollgate extension). See {@link generationsList}. */
  async list(request?: models.ListGenerationsRequest, options?: RequestOptions) {
    return unwrap(await generationsList(this.core, request, options));
  }
}

/** `/chat/completions`. */
export class Chat extends Resource {
  /** A chat completion, or a stream of chunks with `stream: true`. See {@link chatSend}. */
  send(
    request: ChatStreamRequest,
    options?: RequestOptions,
  ): Promise<EventStream<models.ChatStreamChunk>>;
  send(
    request: models.ChatRequest & { stream?: false | undefined },
    options?: RequestOptions,
  ): Promise<models.ChatResponse>;
  send(
    request: models.ChatRequest,
    options?: RequestOptions,
  ): Promise<models.ChatResponse | EventStream<models.ChatStreamChunk>>;
  async send(request: models.ChatRequest, options?: RequestOptions) {
    return unwrap(await chatSend(this.core, request, options));
  }
}

/** `/completions` (legacy text completion). */
export class Completions extends Resource {
  /** A text completion, or a stream with `stream: true`. See {@link completionsGenerate}. */
  generate(
    request: models.CompletionRequest & { stream: true },
    options?: RequestOptions,
  ): Promise<EventStream<models.CompletionStreamChunk>>;
  generate(
    request: models.CompletionRequest & { stream?: false | undefined },
    options?: RequestOptions,
  ): Promise<models.CompletionResponse>;
  generate(
    request: models.CompletionRequest,
    options?: RequestOptions,
  ): Promise<models.CompletionResponse | EventStream<models.CompletionStreamChunk>>;
  async generate(request: models.CompletionRequest, options?: RequestOptions) {
    return unwrap(await completionsGenerate(this.core, request, options));
  }
}

/** `/embeddings`. */
export class Embeddings extends Resource {
  /** Embedding vectors. See {@link embeddingsGenerate}. */
  async generate(request: models.EmbeddingsRequest, options?: RequestOptions) {
    return unwrap(await embeddingsGenerate(this.core, request, options));
  }
}

/** `/models`. */
export class Models extends Resource {
  /** The catalog. See {@link modelsList}. */
  async list(request?: models.ListModelsRequest, options?: RequestOptions) {
    return unwrap(await modelsList(this.core, request, options));
  }
  /** One model. See {@link modelsGet}. */
  async get(request: models.ModelPathRequest, options?: RequestOptions) {
    return unwrap(await modelsGet(this.core, request, options));
  }
  /** How many models match. See {@link modelsCount}. */
  async count(request?: models.CountModelsRequest, options?: RequestOptions) {
    return unwrap(await modelsCount(this.core, request, options));
  }
}

/** `/models/{author}/{slug}/endpoints`. */
export class Endpoints extends Resource {
  /** Endpoints serving a model. See {@link endpointsList}. */
  async list(request: models.ModelPathRequest, options?: RequestOptions) {
    return unwrap(await endpointsList(this.core, request, options));
  }
}

/** `/providers`. */
export class Providers extends Resource {
  /** Configured providers. See {@link providersList}. */
  async list(options?: RequestOptions) {
    return unwrap(await providersList(this.core, options));
  }
}

/** `/activity` and `/activity/summary`. */
export class Analytics extends Resource {
  /** Usage per day × model × endpoint (OpenRouter's). See {@link activityGetUserActivity}. */
  async getUserActivity(request?: models.GetActivityRequest, options?: RequestOptions) {
    return unwrap(await activityGetUserActivity(this.core, request, options));
  }
  /** Usage grouped for billing (Tollgate extension). See {@link activityGetSummary}. */
  async getSummary(request: models.GetActivitySummaryRequest, options?: RequestOptions) {
    return unwrap(await activityGetSummary(this.core, request, options));
  }
}

/** `/credits`. */
export class Credits extends Resource {
  /** Credit granted and used. See {@link creditsGetCredits}. */
  async getCredits(options?: RequestOptions) {
    return unwrap(await creditsGetCredits(this.core, options));
  }
  /** Adds credit (Tollgate extension). See {@link creditsCreateCredits}. */
  async createCredits(request: models.CreateCreditsRequest, options?: RequestOptions) {
    return unwrap(await creditsCreateCredits(this.core, request, options));
  }
  /** The credit grants, newest first (Tollgate extension). See {@link creditsListGrants}. */
  async listGrants(request?: models.ListCreditGrantsRequest, options?: RequestOptions) {
    return unwrap(await creditsListGrants(this.core, request, options));
  }
}

/** `/keys` and `/key`. */
export class ApiKeys extends Resource {
  /** Keys of the account. See {@link apiKeysList}. */
  async list(request?: models.ListApiKeysRequest, options?: RequestOptions) {
    return unwrap(await apiKeysList(this.core, request, options));
  }
  /** Creates a key. See {@link apiKeysCreate}. */
  async create(request: models.CreateApiKeyRequest, options?: RequestOptions) {
    return unwrap(await apiKeysCreate(this.core, request, options));
  }
  /** One key. See {@link apiKeysGet}. */
  async get(request: models.ApiKeyHashRequest, options?: RequestOptions) {
    return unwrap(await apiKeysGet(this.core, request, options));
  }
  /** Changes a key. See {@link apiKeysUpdate}. */
  async update(request: models.UpdateApiKeyRequest, options?: RequestOptions) {
    return unwrap(await apiKeysUpdate(this.core, request, options));
  }
  /** Deletes a key. See {@link apiKeysDelete}. */
  async delete(request: models.ApiKeyHashRequest, options?: RequestOptions) {
    return unwrap(await apiKeysDelete(this.core, request, options));
  }
  /** The calling key. See {@link apiKeysGetCurrentKeyMetadata}. */
  async getCurrentKeyMetadata(options?: RequestOptions) {
    return unwrap(await apiKeysGetCurrentKeyMetadata(this.core, options));
  }
}

/** `/auth/keys` (OAuth PKCE). */
export class OAuth extends Resource {
  /** A new API key for an authorization code. See {@link oAuthExchangeAuthCodeForAPIKey}. */
  async exchangeAuthCodeForAPIKey(
    request: models.ExchangeAuthCodeRequest,
    options?: RequestOptions,
  ) {
    return unwrap(await oAuthExchangeAuthCodeForAPIKey(this.core, request, options));
  }
  /** An authorization code created server-side. See {@link oAuthCreateAuthCode}. */
  async createAuthCode(request: models.CreateAuthCodeRequest, options?: RequestOptions) {
    return unwrap(await oAuthCreateAuthCode(this.core, request, options));
  }
}

/**
 * The Tollgate client: one resource per endpoint group, methods that throw typed errors.
 *
 * @example
 * const tollgate = new Tollgate({ apiKey: process.env['TOLLGATE_API_KEY'] ?? '' });
 * const { data } = await tollgate.generations.getGeneration({ id: 'gen-…' });
 * console.log(data.totalCost);
 */
export class Tollgate extends TollgateCore {
  readonly generations: Generations;
  readonly chat: Chat;
  readonly completions: Completions;
  readonly embeddings: Embeddings;
  readonly models: Models;
  readonly endpoints: Endpoints;
  readonly providers: Providers;
  readonly credits: Credits;
  readonly analytics: Analytics;
  readonly apiKeys: ApiKeys;
  readonly oAuth: OAuth;

  constructor(options: TollgateOptions = {}) {
    super(options);
    this.generations = new Generations(this);
    this.chat = new Chat(this);
    this.completions = new Completions(this);
    this.embeddings = new Embeddings(this);
    this.models = new Models(this);
    this.endpoints = new Endpoints(this);
    this.providers = new Providers(this);
    this.credits = new Credits(this);
    this.analytics = new Analytics(this);
    this.apiKeys = new ApiKeys(this);
    this.oAuth = new OAuth(this);
  }
}
