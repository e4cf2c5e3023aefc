import assert from 'node:assert/strict';
import { createOpenRouter, type OpenRouterProvider } from '@openrouter/ai-sdk-provider';
import { OpenRouter } from '@openrouter/sdk';
import type { ChatResult, ChatStreamChunk } from '@openrouter/sdk/models';
import type { SendChatCompletionRequestResponse } from '@openrouter/sdk/models/operations';
import { type GenerationRecord, GenerationRecordSchema } from '@tollgate/protocol';
import { type ProviderMetadata, streamText } from 'ai';
import { getGeneration } from './http.js';

/** A gateway a test talks to: its API URL and the key it calls with by default. */
export interface GatewayAddress {
  /** `http://127.0.0.1:PORT/api/v1` */
  apiUrl: string;
  key: string;
}

/**
 * The published `@openrouter/sdk` pointed at a test gateway, retries off (a retry would hide the
 * answer under test). Its strict response schemas are part of what the tests check.
 */
export function openRouterSdk(gateway: GatewayAddress, apiKey = gateway.key): OpenRouter {
  return new OpenRouter({ apiKey, serverURL: gateway.apiUrl, retryConfig: { strategy: 'none' } });
}

/** The SDK's answer to a non-stream chat request, failing the test if it is a stream. */
export function expectChatResult(response: SendChatCompletionRequestResponse): ChatResult {
  assert.ok(!(response instanceof ReadableStream), 'expected a JSON chat result, got a stream');
  return response;
}

/** Every chunk of the SDK's stream, each parsed by its schema; fails if the answer is JSON. */
export async function collectSdkStream(
  response: SendChatCompletionRequestResponse,
): Promise<ChatStreamChunk[]> {
  assert.ok(response instanceof ReadableStream, 'expected an event stream, got a JSON result');
  const chunks: ChatStreamChunk[] = [];
  // A chunk that fails the SDK's schema throws out of this loop.
  for await (const chunk of response) chunks.push(chunk);
  return chunks;
}

/** Reads the stored record with plain fetch and checks it against our own wire schema. */
export async function fetchRecord(gateway: GatewayAddress, id: string): Promise<GenerationRecord> {
  const response = await getGeneration(gateway.apiUrl, gateway.key, id);
  assert.equal(response.status, 200, `GET /generation?id=${id}`);
  const body = (await response.json()) as { data: unknown };
  return GenerationRecordSchema.parse(body.data);
}

/** `providerMetadata.openrouter.usage.cost`, as the AI SDK provider exposes it. */
export function metadataCost(metadata: ProviderMetadata | undefined): unknown {
  const usage = metadata?.['openrouter']?.['usage'];
  if (typeof usage !== 'object' || usage === null || !('cost' in usage)) return undefined;
  return usage['cost'];
}

/** `ai`'s OpenRouter provider (`@openrouter/ai-sdk-provider`) pointed at a test gateway. */
export function aiSdkOpenRouter(gateway: GatewayAddress): OpenRouterProvider {
  return createOpenRouter({ baseURL: gateway.apiUrl, apiKey: gateway.key });
}

/**
 * Runs `ai`'s `streamText` to its end: the text it yielded and every error it reported (without
 * an `onError`, it only logs them, and the test could not see a stream that broke; one given in
 * `options` is replaced).
 */
export async function streamTextToEnd(
  options: Parameters<typeof streamText>[0],
): Promise<{ result: ReturnType<typeof streamText>; text: string; errors: unknown[] }> {
  const errors: unknown[] = [];
  const result = streamText({
    ...options,
    onError: ({ error }) => {
      errors.push(error);
    },
  });
  let text = '';
  for await (const delta of result.textStream) text += delta;
  return { result, text, errors };
}
