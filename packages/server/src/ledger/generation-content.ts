import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import type { GenerationContentError } from '@tollgate/protocol';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** What `GET /generation/content` answers under `data` (OpenRouter's shape). */
export interface GenerationContent {
  input: { messages: unknown[] } | { prompt: unknown };
  output: { completion: string; reasoning: string | null };
  /** The failure of a failed generation (to-content-error.ts); null when it succeeded. */
  error: GenerationContentError | null;
}

/**
 * Serializes and deflates a generation's content for storage. zlib runs on the thread pool, so a
 * large prompt does not stall the event loop; never logged anywhere.
 */
export async function packContent(content: GenerationContent): Promise<Uint8Array> {
  return deflate(Buffer.from(JSON.stringify(content), 'utf8'));
}

/** The JSON text of stored content (see {@link packContent}). */
export async function unpackContent(packed: Uint8Array): Promise<string> {
  return (await inflate(packed)).toString('utf8');
}
