/**
 * fast-check generators of bad requests for every gateway endpoint: a valid request with one field
 * set to a value its schema refuses, a required field removed, broken or truncated JSON, bodies
 * that are not objects, deep nesting, invalid UTF-8, odd Content-Types, bad path and query ids.
 * Each generated case says what a correct answer looks like (a 4xx, and which field it names).
 */
import { CONTENT_PART_TYPES } from '@tollgate/protocol';
import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';

/** Who may call an endpoint: which key a generated request carries. */
type Caller = 'management' | 'public';

/** A field of a body and the values its schema must refuse. */
interface FieldSpec {
  /** Path inside the body, e.g. `['messages', 0, 'role']`. */
  path: Array<string | number>;
  bad: fc.Arbitrary<unknown>;
  /** Removing it must be refused too. */
  required?: boolean;
}

/** An endpoint with a JSON body. */
interface BodyEndpoint {
  method: 'POST' | 'PATCH';
  path: string;
  caller: Caller;
  valid: () => Record<string, unknown>;
  fields: FieldSpec[];
}

/** One generated case and what a correct answer looks like. */
export interface BadRequestCase {
  request: RawRequest;
  /** What was broken, for failure messages. */
  what: string;
  /** Which key to send (the test fills in the secret). */
  caller: Caller;
  /** Exact status expected, or only "some 4xx". */
  status: number | '4xx';
  /** A word the error message must contain (the field or problem it names). */
  names: string | null;
}

const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const notNumber = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({}),
);
const notBoolean = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.constant([]),
  fc.constant({}),
);
/** Values a positive-integer field (`max_tokens`, `dimensions`) must refuse. */
const notPositiveInt = fc.oneof(
  notNumber,
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: 0 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value)),
  fc.constantFrom(-1, 0, 0.5, -1e308, 1e308 + 0.5),
);
/** A number outside [min, max], or not a number at all. */
function outOfRange(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    notNumber,
    fc.double({ min: max, noNaN: true, minExcluded: true, noDefaultInfinity: true }),
    fc
      .double({ max: min, noNaN: true, maxExcluded: true, noDefaultInfinity: true })
      // -0 serializes as 0, which is in range.
      .filter((value) => !Object.is(value, -0)),
  );
}
/** A string that is none of the allowed values. */
function unknownEnum(allowed: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.string({ maxLength: 30 }).filter((value) => !allowed.includes(value)),
    notString,
  );
}
const emptyOrNotString = fc.oneof(
  notString.filter((value) => value !== null),
  fc.constant(''),
);

/** A user message's `content` that must be refused (issue 15): missing parts, bad parts. */
const badContent = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant([{}]),
  fc.constant([{ type: 'text' }]),
  fc.constant([{ type: 'text', text: 1 }]),
  fc.constant([{ type: 'image_url', image_url: {} }]),
  fc.constant([{ type: 'image_url' }]),
  fc
    .string({ maxLength: 12 })
    .filter((type) => !CONTENT_PART_TYPES.some((known) => known === type))
    .map((type) => [{ type, text: 'hi' }]),
);
/** `logit_bias` values that must be refused: not an object of token id → number in [-100, 100]. */
const badLogitBias = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({ hello: 1 }),
  fc.constant({ '50256': 'x' }),
  fc.constant({ '50256': 101 }),
);

const userMessages = () => [{ role: 'user', content: 'hi' }];

const samplingFields: FieldSpec[] = [
  { path: ['model'], bad: emptyOrNotString, required: true },
  { path: ['max_tokens'], bad: notPositiveInt },
  { path: ['temperature'], bad: outOfRange(0, 2) },
  { path: ['top_p'], bad: outOfRange(0, 1) },
  { path: ['frequency_penalty'], bad: outOfRange(-2, 2) },
  { path: ['presence_penalty'], bad: outOfRange(-2, 2) },
  { path: ['stream'], bad: notBoolean.filter((value) => value !== null) },
  { path: ['models'], bad: fc.oneof(fc.string(), fc.integer(), fc.constant([''])) },
  { path: ['route'], bad: unknownEnum(['fallback', 'sort']).filter((value) => value !== null) },
];

/** Every endpoint that takes a JSON body, with a valid body and its fields. */
export const BODY_ENDPOINTS: BodyEndpoint[] = [
  {
    method: 'POST',
    path: '/api/v1/chat/completions',
    caller: 'management',
    valid: () => ({ model: 'test/model', messages: userMessages() }),
    fields: [
      ...samplingFields,
      {
        path: ['messages'],
        bad: fc.oneof(notString, fc.string(), fc.constant([])),
        required: true,
      },
      {
        path: ['messages', 0, 'role'],
        bad: unknownEnum(['system', 'user', 'assistant', 'tool', 'developer']),
      },
      { path: ['messages', 0, 'content'], bad: badContent, required: true },
      { path: ['logit_bias'], bad: badLogitBias },
      { path: ['n'], bad: fc.oneof(fc.integer({ min: 2 }), fc.integer({ max: 0 })) },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/completions',
    caller: 'management',
    valid: () => ({ model: 'test/model', prompt: 'hi' }),
    fields: [
      ...samplingFields,
      {
        path: ['prompt'],
        bad: fc.oneof(fc.integer(), fc.boolean(), fc.constant(''), fc.constant([])),
        required: true,
      },
      { path: ['logit_bias'], bad: badLogitBias },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/embeddings',
    caller: 'management',
    valid: () => ({ model: 'test/model', input: 'hi' }),
    fields: [
      { path: ['model'], bad: emptyOrNotString, required: true },
      {
        path: ['input'],
        bad: fc.oneof(
          fc.boolean(),
          fc.constant(''),
          fc.constant([]),
          fc.constant([{}]),
          fc.constant(['hi', null]),
          fc.constant([{ content: [{ type: 'text', text: 'hi' }] }]),
        ),
        required: true,
      },
      {
        path: ['encoding_format'],
        bad: unknownEnum(['float', 'base64']).filter((value) => value !== null),
      },
      { path: ['dimensions'], bad: notPositiveInt },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/keys',
    caller: 'management',
    valid: () => ({ name: 'fuzz' }),
    fields: [
      {
        path: ['name'],
        bad: fc.oneof(emptyOrNotString, fc.string({ minLength: 201, maxLength: 400 })),
        required: true,
      },
      {
        path: ['limit'],
        bad: fc.oneof(
          notNumber,
          fc.double({ max: -0.001, noNaN: true, noDefaultInfinity: true }),
          fc.constant(2e6),
        ),
      },
      {
        path: ['limit_reset'],
        bad: unknownEnum(['daily', 'weekly', 'monthly']).filter((value) => value !== null),
      },
      { path: ['expires_at'], bad: fc.oneof(fc.string({ maxLength: 30 }), fc.integer()) },
      { path: ['include_byok_in_limit'], bad: notBoolean },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/credits',
    caller: 'management',
    valid: () => ({ amount: 1 }),
    fields: [
      {
        path: ['amount'],
        bad: fc.oneof(
          notNumber,
          fc.constant(0),
          fc.double({ min: 1_000_001, noNaN: true, noDefaultInfinity: true }),
        ),
        required: true,
      },
      {
        path: ['note'],
        bad: fc.oneof(fc.integer(), fc.string({ minLength: 501, maxLength: 600 })),
      },
    ],
  },
];

/** GET endpoints and the query parameters or path segments they read. */
const LOOKUPS: Array<{ caller: Caller; target: (value: string) => string; name: string }> = [
  { caller: 'management', target: (value) => `/api/v1/generation?id=${value}`, name: 'id' },
  { caller: 'management', target: (value) => `/api/v1/keys/${value}`, name: 'hash' },
  { caller: 'management', target: (value) => `/api/v1/keys?offset=${value}`, name: 'offset' },
  { caller: 'public', target: (value) => `/api/v1/models?limit=${value}`, name: 'limit' },
  { caller: 'public', target: (value) => `/api/v1/models?offset=${value}`, name: 'offset' },
  { caller: 'public', target: (value) => `/api/v1/model/${value}/x`, name: 'not found' },
  { caller: 'public', target: (value) => `/api/v1/models/x/${value}/endpoints`, name: 'not found' },
];

function setAt(body: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let node: Record<string | number, unknown> = body;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function fieldName(path: Array<string | number>): string {
  return String(path.filter((key) => typeof key === 'string').at(-1));
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zzz',
  'application/octet-stream',
  '',
);

function jsonRequest(endpoint: BodyEndpoint, body: Buffer | string, contentType: string) {
  return {
    method: endpoint.method,
    target: endpoint.path,
    headers: contentType === '' ? [] : [['content-type', contentType] as [string, string]],
    body,
  };
}

/** A valid body with one field set to a value its schema refuses (or removed, if required). */
const badField: fc.Arbitrary<BadRequestCase> = fc
  .constantFrom(...BODY_ENDPOINTS)
  .chain((endpoint) =>
    fc.tuple(
      fc.constant(endpoint),
      fc
        .constantFrom(...endpoint.fields)
        .chain((field) =>
          fc.tuple(
            fc.constant(field),
            field.required ? fc.oneof(field.bad, fc.constant(undefined)) : field.bad,
          ),
        ),
      contentTypes,
    ),
  )
  .map(([endpoint, [field, value], contentType]) => {
    const body = endpoint.valid();
    setAt(body, field.path, value);
    return {
      request: jsonRequest(endpoint, JSON.stringify(body), contentType),
      what: `${endpoint.path} with ${field.path.join('.')} = ${JSON.stringify(value)?.slice(0, 80)}`,
      caller: endpoint.caller,
      status: 400,
      names: fieldName(field.path),
    };
  });

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A valid body cut short, or with bytes that are not JSON spliced in. */
const brokenJson: fc.Arbitrary<BadRequestCase> = fc
  .tuple(
    fc.constantFrom(...BODY_ENDPOINTS),
    fc.nat(),
    fc.constantFrom('', 'NaN', 'undefined', "'", ',', '}', '\\', '/*', 'Infinity'),
  )
  .map(([endpoint, cut, splice]) => {
    const text = JSON.stringify(endpoint.valid());
    const at = 1 + (cut % (text.length - 1));
    return { endpoint, at, splice, body: text.slice(0, at) + splice };
  })
  // A cut that happens to close the JSON again (`{"a":1` + `}`) is not broken.
  .filter(({ body }) => !parsesAsJson(body))
  .map(({ endpoint, at, splice, body }) => {
    return {
      request: jsonRequest(endpoint, body, 'application/json'),
      what: `${endpoint.path} with JSON cut at ${at} + ${JSON.stringify(splice)}`,
      caller: endpoint.caller,
      status: 400,
      names: 'JSON',
    };
  });

/** A JSON body that is not an object at all: a number, string, array, null. */
const notAnObject: fc.Arbitrary<BadRequestCase> = fc
  .tuple(
    fc.constantFrom(...BODY_ENDPOINTS),
    fc
      .jsonValue({ maxDepth: 2 })
      .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)),
  )
  .map(([endpoint, value]) => ({
    request: jsonRequest(endpoint, JSON.stringify(value), 'application/json'),
    what: `${endpoint.path} with body ${JSON.stringify(value).slice(0, 80)}`,
    caller: endpoint.caller,
    status: 400,
    names: 'body',
  }));

/** An object with only unknown keys (every body endpoint has a required field). */
const unknownKeysOnly: fc.Arbitrary<BadRequestCase> = fc
  .tuple(
    fc.constantFrom(...BODY_ENDPOINTS),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }).map((key) => `x_${key}`),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 6 },
    ),
  )
  .map(([endpoint, value]) => ({
    request: jsonRequest(endpoint, JSON.stringify(value), 'application/json'),
    what: `${endpoint.path} with only unknown keys`,
    caller: endpoint.caller,
    status: 400,
    names: null,
  }));

/** Deeply nested arrays or objects under a valid body's required field. */
const deepNesting: fc.Arbitrary<BadRequestCase> = fc
  .tuple(fc.constantFrom(...BODY_ENDPOINTS), fc.integer({ min: 100, max: 20_000 }), fc.boolean())
  .map(([endpoint, depth, asObject]) => {
    const field = endpoint.fields.find((spec) => spec.required) as FieldSpec;
    const open = asObject ? '{"a":' : '[';
    const close = asObject ? '}' : ']';
    const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
    const body = JSON.stringify(endpoint.valid()).replace(
      `"${fieldName(field.path)}":`,
      `"${fieldName(field.path)}":${nested},"was":`,
    );
    return {
      request: jsonRequest(endpoint, body, 'application/json'),
      what: `${endpoint.path} with ${fieldName(field.path)} nested ${depth} deep`,
      caller: endpoint.caller,
      status: 400,
      names: fieldName(field.path),
    };
  });

/** Bytes that are not UTF-8 inside a string value. */
const invalidUtf8: fc.Arbitrary<BadRequestCase> = fc
  .tuple(
    fc.constantFrom(...BODY_ENDPOINTS),
    fc.constantFrom(
      [0xff],
      [0xc3],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ),
  )
  .map(([endpoint, bytes]) => {
    const text = JSON.stringify({ ...endpoint.valid(), note: 'Z' });
    const [before = '', after = ''] = text.split('Z');
    const body = Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
    return {
      request: jsonRequest(endpoint, body, 'application/json'),
      what: `${endpoint.path} with bytes ${bytes.map((byte) => byte.toString(16)).join(' ')}`,
      caller: endpoint.caller,
      status: 400,
      names: 'UTF-8',
    };
  });

/** Path and query values: empty, huge, traversal, percent-encoded junk. */
const badLookup: fc.Arbitrary<BadRequestCase> = fc
  .tuple(
    fc.constantFrom(...LOOKUPS),
    fc.oneof(
      fc.constantFrom('-1', 'NaN', '1e400', '..%2F..%2Fetc', '%00', '%ff%fe', "'%20OR%201=1"),
      fc.string({ minLength: 1, maxLength: 40 }).map((value) => `zz${encodeURIComponent(value)}`),
      fc.integer({ min: 129, max: 4000 }).map((length) => 'g'.repeat(length)),
    ),
  )
  .map(([lookup, value]) => ({
    request: { method: 'GET', target: lookup.target(value) },
    what: `GET ${lookup.target(value).slice(0, 100)}`,
    caller: lookup.caller,
    status: '4xx',
    names: null,
  }));

/** Every kind of bad request, weighted toward field-level mistakes. */
export const badRequest: fc.Arbitrary<BadRequestCase> = fc.oneof(
  { arbitrary: badField, weight: 6 },
  { arbitrary: brokenJson, weight: 2 },
  { arbitrary: notAnObject, weight: 1 },
  { arbitrary: unknownKeysOnly, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: invalidUtf8, weight: 1 },
  { arbitrary: badLookup, weight: 2 },
);
