import type { EMBEDDING_ENCODINGS, EmbeddingVector } from '@tollgate/protocol';

/** An embedding encoding: number arrays, or base64 of little-endian float32. */
export type EmbeddingEncoding = (typeof EMBEDDING_ENCODINGS)[number];

const FLOAT32_BYTES = 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Little-endian float32 bytes of the values, base64-encoded (what OpenAI sends for `base64`). */
function toBase64(values: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(values.length * FLOAT32_BYTES));
  values.forEach((value, index) => {
    view.setFloat32(index * FLOAT32_BYTES, value, true);
  });
  return Buffer.from(view.buffer).toString('base64');
}

/** Decodes base64 little-endian float32; null when the text is not that. */
function fromBase64(text: string): number[] | null {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % FLOAT32_BYTES !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += FLOAT32_BYTES) {
    values.push(view.getFloat32(offset, true));
  }
  return values;
}

/**
 * Re-encodes an upstream's vector as the client asked: upstreams that ignore `encoding_format`
 * (or never had it) still answer in the requested form. Returns null for a string that is not
 * base64 of float32. Floats sent as base64 become float32, as OpenAI's own base64 output is.
 */
export function toEmbeddingEncoding(
  vector: EmbeddingVector,
  encoding: EmbeddingEncoding,
): EmbeddingVector | null {
  if (typeof vector === 'string') {
    if (encoding === 'base64') return fromBase64(vector) === null ? null : vector;
    return fromBase64(vector);
  }
  return encoding === 'float' ? vector : toBase64(vector);
}
