import type { GenerationRow } from '../packages/server/src/storage/storage.js';

/**
 * A finished generation's row as the benches write it: one model and endpoint, a fixed charge
 * and token counts; the id, key, time and record (and anything else) come from `row`.
 */
export function benchGenerationRow(
  row: Pick<GenerationRow, 'id' | 'keyHash' | 'createdAt' | 'record'> & Partial<GenerationRow>,
): GenerationRow {
  return {
    requestId: `req-${row.id}`,
    model: 'acme/fast-1',
    providerName: 'Acme',
    apiType: 'completions',
    isByok: false,
    cancelled: false,
    usagePico: 161_000_000n,
    totalCostPico: 161_000_000n,
    upstreamCostPico: null,
    recordVersion: 1,
    endpointId: 'Acme/fast-1',
    externalUser: null,
    sessionId: null,
    outcome: 'ok',
    promptTokens: 5,
    completionTokens: 78,
    reasoningTokens: 0,
    content: null,
    ...row,
  };
}

/** A wire record shaped like `GET /generation`'s `data` (~2 KB of JSON), for a given id
 * (`__ID__` stands for it). */
export function benchRecordTemplate(): string {
  const record = {
    id: '__ID__',
    upstream_id: 'chatcmpl-9x8w7v6u5t4s3r2q1p0o',
    total_cost: 0.000161,
    cache_discount: null,
    upstream_inference_cost: null,
    created_at: '2026-11-22T08:00:00.000Z',
    model: 'acme/fast-1',
    app_id: null,
    streamed: true,
    cancelled: false,
    provider_name: 'Acme',
    latency: 312,
    moderation_latency: null,
    generation_time: 1840,
    finish_reason: 'stop',
    native_finish_reason: 'stop',
    tokens_prompt: 812,
    tokens_completion: 356,
    native_tokens_prompt: 809,
    native_tokens_completion: 351,
    native_tokens_completion_images: 0,
    native_tokens_reasoning: 0,
    native_tokens_cached: 512,
    num_media_prompt: null,
    num_input_audio_prompt: null,
    num_media_completion: 0,
    num_search_results: null,
    origin: 'https://app.example.com/',
    usage: 0.000161,
    is_byok: false,
    api_type: 'completions',
    external_user: 'user-4821',
    router: null,
    provider_responses: [
      {
        id: 'chatcmpl-9x8w7v6u5t4s3r2q1p0o',
        endpoint_id: 'acme-fast-1',
        model_permaslug: 'acme/fast-1',
        provider_name: 'Acme',
        status: 200,
        latency: 312,
        is_byok: false,
      },
    ],
    request_id: 'req-6f1c0a3b9d2e4f5a8b7c',
    session_id: 'session-2b4d6f8a0c1e3g5i',
    user_agent: 'openai-node/7.57.0',
    http_referer: 'https://app.example.com/chat',
    data_region: 'global',
    cost_status: 'priced',
    cost_breakdown: {
      prompt: '0.000000297',
      cache_read: '0.0000000512',
      cache_write: '0',
      completion: '0.000000702',
      reasoning: '0',
      request: '0',
      image: '0',
      web_search: '0',
      audio: '0',
      total: '0.000161',
      cache_discount: '0.0000004608',
      byok_fee: null,
    },
    pricing: {
      prompt: '0.000001',
      completion: '0.000002',
      input_cache_read: '0.0000001',
      input_cache_write: '0.00000125',
      internal_reasoning: '0.000002',
      request: '0',
      image: '0',
      web_search: '0',
    },
    attribution: {
      title: 'Example App',
      referer: 'https://app.example.com/chat',
      categories: ['chat', 'assistant'],
    },
    normalized: { tokenizer: 'o200k_base', prompt_estimated: false, completion_estimated: false },
    notes:
      'The remaining bytes stand for tool-call metadata and per-attempt details of a real record.',
    padding: 'x'.repeat(420),
  };
  return JSON.stringify(record);
}
