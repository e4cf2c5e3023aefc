/** The fields every chunk of one stream carries besides its choices (fixed for the stream). */
export interface ChunkEnvelope {
  /** The generation id. */
  id: string;
  /** The provider's display name. */
  provider: string;
  /** The model id as the client knows it. */
  model: string;
  /** `chat.completion.chunk` or `text_completion`. */
  object: string;
  /** Unix seconds. */
  created: number;
}

/**
 * Serializes the chunks of one stream. Each method returns exactly
 * `JSON.stringify({ id, provider, model, object, created, system_fingerprint?, ...rest })`, the
 * fingerprint present only as a string (clients reject `system_fingerprint: null`).
 */
export interface ChunkWriter {
  /** A chunk of choices: `{…envelope, choices}`. */
  choices(choices: readonly unknown[], systemFingerprint: string | null): string;
  /** The usage chunk that ends a stream: `{…envelope, choices: [], usage}`. */
  usage(usage: unknown, systemFingerprint: string | null): string;
  /** The chunk that ends a failed stream: `{…envelope, error, choices: [errorChoice]}`. */
  error(error: unknown, errorChoice: unknown, systemFingerprint: string | null): string;
}

/** `"key":value,` — or nothing where JSON.stringify would drop the key (undefined, functions). */
function member(key: string, value: unknown): string {
  const encoded = JSON.stringify(value) as string | undefined;
  return encoded === undefined ? '' : `"${key}":${encoded},`;
}

/**
 * A {@link ChunkWriter} for one stream. The envelope is serialized once, as a prefix; each event
 * then costs one JSON.stringify of its choices instead of a spread and a stringify of the whole
 * chunk (docs/decisions/0029-lean-relay-and-hooks.md).
 */
export function createChunkWriter(envelope: ChunkEnvelope): ChunkWriter {
  const prefix =
    `{"id":${JSON.stringify(envelope.id)},"provider":${JSON.stringify(envelope.provider)},` +
    `"model":${JSON.stringify(envelope.model)},"object":${JSON.stringify(envelope.object)},` +
    `"created":${JSON.stringify(envelope.created)},`;
  // The fingerprint rarely changes within a stream: its encoded member is kept for the next event.
  let fingerprint: string | null = null;
  let fingerprintMember = '';
  const head = (systemFingerprint: string | null): string => {
    if (systemFingerprint === null) return prefix;
    if (systemFingerprint !== fingerprint) {
      fingerprint = systemFingerprint;
      fingerprintMember = member('system_fingerprint', systemFingerprint);
    }
    return prefix + fingerprintMember;
  };
  return {
    choices: (choices, systemFingerprint) =>
      `${head(systemFingerprint)}"choices":${JSON.stringify(choices)}}`,
    usage: (usage, systemFingerprint) => {
      const tail = member('usage', usage);
      // JSON.stringify puts `usage` after `choices`: the member's trailing comma moves before it.
      return `${head(systemFingerprint)}"choices":[]${tail === '' ? '' : `,${tail.slice(0, -1)}`}}`;
    },
    error: (error, errorChoice, systemFingerprint) =>
      `${head(systemFingerprint)}${member('error', error)}"choices":[${JSON.stringify(errorChoice) ?? 'null'}]}`,
  };
}
