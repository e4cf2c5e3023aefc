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

/** `JSON.stringify(value)` (null spelled at once: most of a chunk's fields are null). */
function encode(value: unknown): string | undefined {
  return value === null ? 'null' : (JSON.stringify(value) as string | undefined);
}

/**
 * The keys of a choice as the stream parsers build it (`delta` for chat, `text` for legacy
 * completions), in their order.
 */
const CHOICE_KEYS = ['index', 'delta', 'finish_reason', 'native_finish_reason', 'logprobs'];
const TEXT_CHOICE_KEYS = ['index', 'text', 'finish_reason', 'native_finish_reason', 'logprobs'];

/**
 * `JSON.stringify(choice)` for a plain object with exactly the parsers' keys in their order,
 * written key by key (each value stringified alone, as JSON.stringify would nested: the values
 * are parsed JSON, with no `toJSON` of their own); undefined for anything else, or a field that
 * JSON.stringify would leave out, which then goes through JSON.stringify whole.
 */
function choiceJson(choice: unknown): string | undefined {
  if (typeof choice !== 'object' || choice === null) return undefined;
  if (Object.getPrototypeOf(choice) !== Object.prototype) return undefined;
  const fields = choice as Record<string, unknown>;
  let count = 0;
  let textKey = '';
  for (const key in fields) {
    if (count === CHOICE_KEYS.length) return undefined;
    if (key !== CHOICE_KEYS[count] && key !== TEXT_CHOICE_KEYS[count]) return undefined;
    if (count === 1) textKey = key;
    count += 1;
  }
  if (count !== CHOICE_KEYS.length) return undefined;
  const index = encode(fields['index']);
  const text = encode(fields[textKey]);
  const finish = encode(fields['finish_reason']);
  const native = encode(fields['native_finish_reason']);
  const logprobs = encode(fields['logprobs']);
  if (
    index === undefined ||
    text === undefined ||
    finish === undefined ||
    native === undefined ||
    logprobs === undefined
  ) {
    return undefined;
  }
  return (
    `{"index":${index},"${textKey}":${text},"finish_reason":${finish},` +
    `"native_finish_reason":${native},"logprobs":${logprobs}}`
  );
}

/** `JSON.stringify(choices)`, with the usual choices written by {@link choiceJson}. */
function choicesJson(choices: readonly unknown[]): string {
  let json = '[';
  for (let position = 0; position < choices.length; position += 1) {
    const choice = choices[position];
    const encoded = choiceJson(choice);
    if (encoded === undefined) return JSON.stringify(choices);
    json += position === 0 ? encoded : `,${encoded}`;
  }
  return `${json}]`;
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
      `${head(systemFingerprint)}"choices":${choicesJson(choices)}}`,
    usage: (usage, systemFingerprint) => {
      const tail = member('usage', usage);
      // JSON.stringify puts `usage` after `choices`: the member's trailing comma moves before it.
      return `${head(systemFingerprint)}"choices":[]${tail === '' ? '' : `,${tail.slice(0, -1)}`}}`;
    },
    error: (error, errorChoice, systemFingerprint) =>
      `${head(systemFingerprint)}${member('error', error)}"choices":[${JSON.stringify(errorChoice) ?? 'null'}]}`,
  };
}
