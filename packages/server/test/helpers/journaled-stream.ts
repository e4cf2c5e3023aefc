import type { StorageConfig } from '../../src/config/settings.js';
import { parsePricing } from '../../src/ledger/cost-engine.js';
import { type PendingFacts, toInflightRow } from '../../src/ledger/inflight-journal.js';
import { createStorage } from '../../src/storage/create-storage.js';

/**
 * The journaled facts of a stream of `test/model` on Acme ($0.000001 a prompt token, $0.000002 a
 * completion token) that a node started and never finished: what recovery turns into a record.
 * `id` is the generation id (`gen-…`); the request id is the same with `req-`.
 */
export function journaledStreamFacts(options: {
  id: string;
  keyHash: string;
  normalizedPromptTokens: number;
  priceVersion: string;
}): PendingFacts {
  return {
    id: options.id,
    requestId: options.id.replace(/^gen-/, 'req-'),
    keyHash: options.keyHash,
    workspaceId: 'default',
    createdAtMs: Date.now(),
    model: 'test/model',
    providerName: 'Acme',
    apiType: 'completions',
    streamed: true,
    byokFeePpm: null,
    normalizedPromptTokens: options.normalizedPromptTokens,
    promptEstimated: false,
    numMediaPrompt: 0,
    numPromptImages: 0,
    numInputAudioPrompt: 0,
    httpReferer: null,
    userAgent: null,
    externalUser: null,
    sessionId: null,
    dataRegion: 'global',
    providerResponses: [],
    prices: parsePricing({ prompt: '0.000001', completion: '0.000002' }),
    priceVersion: options.priceVersion,
  };
}

/**
 * Writes straight to storage what a node that died mid-stream leaves behind: the stream's journal
 * row under `nodeId`, with `relayedBytes` its last checkpoint, and with `leaseExpired` that node's
 * lease already run out (so another node may claim it).
 */
export async function leaveJournaledStream(
  storage: StorageConfig,
  facts: PendingFacts,
  nodeId: string,
  options: { relayedBytes?: number; leaseExpired?: boolean } = {},
): Promise<void> {
  const direct = await createStorage(storage);
  try {
    await direct.inflight.insertMany([toInflightRow(facts, nodeId)]);
    if (options.relayedBytes !== undefined) {
      await direct.inflight.checkpoint([{ id: facts.id, relayedBytes: options.relayedBytes }]);
    }
    if (options.leaseExpired === true) await direct.nodeLeases.renew(nodeId, Date.now() - 1);
  } finally {
    await direct.close();
  }
}
