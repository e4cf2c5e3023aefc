import type {
  ApiKey,
  ChatCompletion,
  ChatCompletionRequest,
  CurrentKeyResponse,
  GenerationRecord,
} from '@tollgate/protocol';

/**
 * Example values shown in the API reference. They are a real exchange with the built-in demo
 * model (`tollgate/demo`), trimmed; a test parses each one with its wire schema.
 */
export const EXAMPLE_GENERATION_ID = 'gen-1795334608-kXDIlIzLhMLZvUEBoLyw';

/** Hex SHA-256 of an example key. */
export const EXAMPLE_KEY_HASH = '0fbce8b534b7b232fe5447e53ec6617b7909db61950b24055fa8f4090b8665f8';

/** `POST /chat/completions` body. */
export const EXAMPLE_CHAT_REQUEST = {
  model: 'tollgate/demo',
  messages: [{ role: 'user', content: 'Hello!' }],
  max_tokens: 20,
} satisfies ChatCompletionRequest;

/** `POST /chat/completions` response. */
export const EXAMPLE_CHAT_COMPLETION = {
  id: EXAMPLE_GENERATION_ID,
  provider: 'Tollgate Demo',
  model: 'tollgate/demo',
  object: 'chat.completion',
  created: 1795334608,
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content:
          "This is Tollgate's offline demo model. A key is a promise that somebody will pay. The",
        refusal: null,
        reasoning: null,
      },
      finish_reason: 'length',
      native_finish_reason: 'length',
      logprobs: null,
    },
  ],
  system_fingerprint: 'fp_tollgate_demo',
  service_tier: null,
  usage: {
    prompt_tokens: 5,
    completion_tokens: 20,
    total_tokens: 25,
    prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, image_tokens: 0 },
    cost: 0.000045,
    is_byok: false,
    cost_details: {
      upstream_inference_cost: 0.000045,
      upstream_inference_prompt_cost: 0.000005,
      upstream_inference_completions_cost: 0.00004,
    },
  },
} as const satisfies ChatCompletion;

/** `GET /generation` record (`data`). */
export const EXAMPLE_GENERATION = {
  id: EXAMPLE_GENERATION_ID,
  upstream_id: 'chatcmpl-6cf96b7c7aa4d67a1282b173',
  total_cost: 0.000045,
  cache_discount: 0,
  upstream_inference_cost: 0.000045,
  created_at: '2026-11-22T08:03:28.359000+00:00',
  model: 'tollgate/demo',
  app_id: null,
  streamed: false,
  cancelled: false,
  provider_name: 'Tollgate Demo',
  latency: 15,
  moderation_latency: null,
  generation_time: 16,
  finish_reason: 'length',
  tokens_prompt: 9,
  tokens_completion: 20,
  native_tokens_prompt: 5,
  native_tokens_completion: 20,
  native_tokens_completion_images: 0,
  native_tokens_reasoning: 0,
  native_tokens_cached: 0,
  num_media_prompt: 0,
  num_input_audio_prompt: 0,
  num_media_completion: 0,
  num_search_results: null,
  origin: '',
  usage: 0.000045,
  is_byok: false,
  native_finish_reason: 'length',
  external_user: null,
  api_type: 'completions',
  router: null,
  provider_responses: [
    {
      status: 200,
      id: 'chatcmpl-6cf96b7c7aa4d67a1282b173',
      endpoint_id: 'Tollgate Demo/demo-1',
      model_permaslug: 'tollgate/demo',
      provider_name: 'Tollgate Demo',
      latency: 13,
      is_byok: false,
    },
  ],
  http_referer: null,
  user_agent: 'node',
  request_id: 'req-1795334608-GN5jmBWFWAJLZEnAMEgC',
  session_id: null,
  num_fetches: null,
  web_search_engine: null,
  response_cache_source_id: null,
  service_tier: null,
  preset_id: null,
  data_region: 'global',
  workspace_id: 'default',
} satisfies GenerationRecord;

/** An API key record. */
export const EXAMPLE_API_KEY = {
  hash: EXAMPLE_KEY_HASH,
  name: 'ci-runner',
  label: 'sk-tg-v1-117...8ce',
  disabled: false,
  limit: 25,
  limit_remaining: 24.999955,
  limit_reset: 'monthly',
  include_byok_in_limit: false,
  usage: 0.000045,
  usage_daily: 0.000045,
  usage_weekly: 0.000045,
  usage_monthly: 0.000045,
  byok_usage: 0,
  byok_usage_daily: 0,
  byok_usage_weekly: 0,
  byok_usage_monthly: 0,
  created_at: '2026-11-22T08:03:27.682000+00:00',
  updated_at: null,
  expires_at: null,
  creator_user_id: null,
  external_user: null,
  workspace_id: 'default',
} satisfies ApiKey;

/** `GET /key` response. */
export const EXAMPLE_CURRENT_KEY = {
  data: {
    label: 'sk-tg-v1-117...8ce',
    limit: null,
    limit_remaining: null,
    limit_reset: null,
    include_byok_in_limit: false,
    usage: 0.000045,
    usage_daily: 0.000045,
    usage_weekly: 0.000045,
    usage_monthly: 0.000045,
    byok_usage: 0,
    byok_usage_daily: 0,
    byok_usage_weekly: 0,
    byok_usage_monthly: 0,
    is_free_tier: false,
    is_management_key: true,
    is_provisioning_key: true,
    creator_user_id: null,
    organization_id: null,
    workspace_id: 'default',
    expires_at: null,
    allowed_data_regions: ['global'],
    free_model_daily_requests: { limit: -1, remaining: -1, used: 0 },
    rate_limit: { requests: -1, interval: '10s', note: 'No request-rate limit is configured.' },
  },
} satisfies CurrentKeyResponse;
