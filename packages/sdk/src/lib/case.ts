/**
 * The one boundary between the wire (snake_case, as OpenRouter sends it) and the SDK's models
 * (camelCase): a key transform, typed with template-literal types so every response model is
 * derived from the protocol's inferred wire types instead of being copied by hand.
 */

/** Keys whose values are user data, passed through unconverted (JSON Schemas, free metadata). */
export const OPAQUE_KEYS = ['parameters', 'schema', 'metadata', 'raw', 'logit_bias'] as const;

/** A key whose value is never converted. */
export type OpaqueKey = (typeof OPAQUE_KEYS)[number] | 'logitBias';

const opaque: ReadonlySet<string> = new Set<string>([...OPAQUE_KEYS, 'logitBias']);

/** `native_tokens_prompt` → `nativeTokensPrompt`, at the type level. */
export type SnakeToCamel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<SnakeToCamel<Tail>>}`
  : S;

/** `nativeTokensPrompt` → `native_tokens_prompt`, at the type level. */
export type CamelToSnake<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${CamelToSnake<Tail>}`
  : S;

/** A wire type with every key camelCased, deeply (opaque keys keep their value as is). */
export type CamelCased<T> = T extends readonly (infer Item)[]
  ? CamelCased<Item>[]
  : T extends object
    ? {
        [K in keyof T as K extends string ? SnakeToCamel<K> : K]: K extends OpaqueKey
          ? T[K]
          : CamelCased<T[K]>;
      }
    : T;

/** Turns one snake_case key into camelCase. */
export function toCamelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** Turns one camelCase key into snake_case (snake keys come out unchanged). */
export function toSnakeKey(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function mapKeys(value: unknown, mapKey: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, mapKey));
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const mapped = mapKey(key);
    result[mapped] = opaque.has(key) ? item : mapKeys(item, mapKey);
  }
  return result;
}

/** Converts a wire value (parsed JSON) to the SDK's camelCase model; extra fields are kept. */
export function fromWire<T>(value: T): CamelCased<T> {
  return mapKeys(value, toCamelKey) as CamelCased<T>;
}

/** Converts a request given in camelCase (or already snake_case) to the wire's snake_case. */
export function toWire(value: unknown): unknown {
  return mapKeys(value, toSnakeKey);
}
