import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ERROR_STATUS } from '../../src/errors/error-codes.js';
import { buildOpenApiDocument } from '../../src/openapi/build-openapi-document.js';
import { OPERATIONS } from '../../src/openapi/operations.js';
import { serializeOpenApi } from '../../src/openapi/serialize-openapi.js';
import { postJson } from '../helpers/http.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

/** A JSON object of the documents, with the OpenAPI and JSON Schema keys this file reads. */
interface Json {
  [key: string]: unknown;
  $ref?: string;
  anyOf?: Json[];
  oneOf?: Json[];
  type?: string | string[];
  enum?: unknown[];
  value?: unknown;
  properties?: Record<string, Json>;
  required?: string[];
  responses?: Record<string, Json>;
  security?: unknown;
  parameters?: Json[];
  content?: Record<string, Json>;
  schema?: Json;
  description?: string;
  bearerAuth?: Json;
  data?: Json;
  name?: string;
  in?: string;
}

const ROOT = new URL('../../../../', import.meta.url);
const generated = serializeOpenApi(buildOpenApiDocument());
const document = JSON.parse(generated.json) as {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: { bearerAuth: Json } };
};

test('the committed docs/openapi.json and docs/openapi.yaml equal the generated document (npm run openapi)', async () => {
  const [json, yaml] = await Promise.all([
    readFile(new URL('docs/openapi.json', ROOT), 'utf8'),
    readFile(new URL('docs/openapi.yaml', ROOT), 'utf8'),
  ]);
  // Compared as booleans: a diff of 300 kB of JSON helps nobody; the script fixes it.
  assert.ok(json === generated.json, 'docs/openapi.json is stale: run `npm run openapi`');
  assert.ok(yaml === generated.yaml, 'docs/openapi.yaml is stale: run `npm run openapi`');
  assert.deepEqual(parseYaml(yaml), JSON.parse(json));
});

/** `METHOD path` of every route the app registered, from Fastify's route tree (HEAD left out). */
function registeredRoutes(tree: string): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (match === null) continue;
    const depth = (match[1] as string).length / 4;
    const path = (prefixes[depth - 1] ?? '') + (match[2] as string);
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ')) {
      if (method !== '' && method !== 'HEAD') routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

test('the document covers exactly the routes the gateway serves, each with its real statuses', async (t) => {
  const gateway = await startTestGateway({ demo: true });
  t.after(() => gateway.close());
  const served = registeredRoutes(gateway.gateway.app.printRoutes({ commonPrefix: false }))
    // The Scalar bundle and the guides document are assets of the /docs page, not endpoints.
    .filter((route) => !route.startsWith('GET /docs/assets/'))
    // So are the console's script and stylesheet.
    .filter((route) => !route.startsWith('GET /console/console.'));
  const documented = Object.entries(document.paths)
    .flatMap(([path, item]) =>
      Object.keys(item).map(
        (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
      ),
    )
    .sort();
  assert.deepEqual(
    documented,
    served,
    'a route is missing from (or extra in) packages/server/src/openapi/operations.ts',
  );

  const known = new Set<number>(Object.values(ERROR_STATUS));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const statuses = Object.keys(operation.responses as Json).map(Number);
      for (const status of statuses.filter((code) => code >= 400)) {
        assert.ok(known.has(status), `${method} ${path}: ${status} is not in ERROR_STATUS`);
      }
      assert.ok(Array.isArray(operation['x-codeSamples']), `${method} ${path} has code samples`);
      const security = operation.security as unknown[];
      const publicRoute =
        OPERATIONS.find((candidate) => candidate.path === path && candidate.method === method)
          ?.auth === 'public';
      assert.deepEqual(security, publicRoute ? [] : [{ bearerAuth: [] }], `${method} ${path}`);
    }
  }
  assert.deepEqual(document.components.securitySchemes.bearerAuth, {
    type: 'http',
    scheme: 'bearer',
    description: (document.components.securitySchemes.bearerAuth as Json).description,
  });
});

test('every example in the document parses with the wire schema it illustrates', () => {
  for (const operation of OPERATIONS) {
    const where = `${operation.method} ${operation.path}`;
    if (operation.body !== undefined) {
      const parsed = operation.body.schema.safeParse(operation.body.example);
      assert.ok(parsed.success, `${where} request example: ${parsed.error?.message}`);
    }
    if (operation.response.example !== undefined) {
      const parsed = operation.response.schema.safeParse(operation.response.example);
      assert.ok(parsed.success, `${where} response example: ${parsed.error?.message}`);
    }
    for (const [location, schema] of [
      ['query', operation.query],
      ['path', operation.params],
    ] as const) {
      if (schema === undefined) continue;
      const names = Object.keys(schema.shape);
      const examples = Object.fromEntries(
        Object.entries(operation.parameterExamples ?? {}).filter(([name]) => names.includes(name)),
      );
      const parsed = schema.safeParse(examples);
      assert.ok(parsed.success, `${where} ${location} examples: ${parsed.error?.message}`);
    }
  }
});

test('real responses of the gateway parse with the documented schemas and use documented statuses', async (t) => {
  const gateway = await startTestGateway({ demo: true });
  t.after(() => gateway.close());
  const completion = await postJson(gateway.apiUrl, '/chat/completions', gateway.key, {
    model: 'tollgate/demo',
    messages: [{ role: 'user', content: 'Hello!' }],
    max_tokens: 8,
  });
  const generationId = ((await completion.clone().json()) as { id: string }).id;
  const calls: Array<{ method: string; path: string; url: string; response: Response }> = [
    { method: 'post', path: '/api/v1/chat/completions', url: '', response: completion },
  ];
  const get = async (path: string, url: string, key: string | null = gateway.key) => {
    const response = await fetch(`${gateway.gateway.url}${url}`, {
      headers: key === null ? {} : { authorization: `Bearer ${key}` },
    });
    calls.push({ method: 'get', path, url, response });
  };
  await get('/api/v1/generation', `/api/v1/generation?id=${generationId}`);
  await get('/api/v1/generation', '/api/v1/generation?id=gen-missing');
  await get('/api/v1/generation', '/api/v1/generation');
  await get('/api/v1/generation', `/api/v1/generation?id=${generationId}`, null);
  await get('/api/v1/key', '/api/v1/key');
  await get('/api/v1/auth/key', '/api/v1/auth/key');
  await get('/api/v1/keys', '/api/v1/keys');
  await get('/api/v1/credits', '/api/v1/credits');
  await get('/api/v1/models', '/api/v1/models');
  await get('/api/v1/models', '/api/v1/models?limit=0');
  await get('/api/v1/models/count', '/api/v1/models/count');
  await get('/api/v1/model/{author}/{slug}', '/api/v1/model/tollgate/demo');
  await get('/api/v1/model/{author}/{slug}', '/api/v1/model/tollgate/nothing');
  await get('/api/v1/models/{author}/{slug}/endpoints', '/api/v1/models/tollgate/demo/endpoints');
  await get('/api/v1/providers', '/api/v1/providers');
  await get('/health', '/health');
  await get('/ready', '/ready');
  await get('/api/v1/openapi.json', '/api/v1/openapi.json');

  for (const { method, path, url, response } of calls) {
    const operation = OPERATIONS.find((item) => item.method === method && item.path === path);
    assert.ok(operation, `${method} ${path} is documented`);
    const documented = Object.keys(document.paths[path]?.[method]?.responses as Json);
    assert.ok(
      documented.includes(String(response.status)),
      `${url}: ${response.status} documented`,
    );
    const body: unknown = await response.json();
    const schema = response.status === operation.response.status ? operation.response.schema : null;
    if (schema !== null) {
      const parsed = schema.safeParse(body);
      assert.ok(parsed.success, `${url}: ${parsed.error?.message}`);
    } else {
      const error = (body as { error: { code: number } }).error;
      assert.equal(error.code, response.status, url);
    }
  }
});

test('GET /api/v1/openapi.json and .yaml serve the generated document', async (t) => {
  const gateway = await startTestGateway({ demo: true });
  t.after(() => gateway.close());
  const json = await fetch(`${gateway.apiUrl}/openapi.json`);
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(await json.text(), generated.json);
  const yaml = await fetch(`${gateway.apiUrl}/openapi.yaml`);
  assert.equal(yaml.status, 200);
  assert.match(yaml.headers.get('content-type') ?? '', /^application\/yaml/);
  assert.equal(await yaml.text(), generated.yaml);

  const page = await fetch(`${gateway.gateway.url}/docs`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1] as string);
  assert.deepEqual(scripts, ['/docs/assets/scalar-standalone.js'], 'only our own script');
  assert.doesNotMatch(html, /https?:\/\//, 'no absolute URL (CDN, fonts) in the page');
  const bundle = await fetch(`${gateway.gateway.url}${scripts[0]}`);
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
  assert.ok((await bundle.arrayBuffer()).byteLength > 100_000);
});

// --- The seed's /generation spec must be contained in ours ----------------------------------

/** Resolves `$ref`s within one document. */
function resolve(schema: Json, root: Json): Json {
  let current = schema;
  while (typeof current.$ref === 'string') {
    const path = (current.$ref as string).replace(/^#\//, '').split('/');
    current = path.reduce<Json>((node, key) => node[key] as Json, root);
  }
  return current;
}

/** The JSON types a schema admits (`integer` counts as `number`), through refs and unions. */
function typesOf(schema: Json, root: Json): Set<string> {
  const resolved = resolve(schema, root);
  const members = (resolved.anyOf ?? resolved.oneOf) as Json[] | undefined;
  if (members !== undefined) {
    return new Set(members.flatMap((member) => [...typesOf(member, root)]));
  }
  const types = Array.isArray(resolved.type) ? resolved.type : [resolved.type];
  return new Set(types.map((type) => (type === 'integer' ? 'number' : String(type))));
}

/** Enum values a schema lists (the seed writes Fern's `{ value }` objects), through unions. */
function enumValues(schema: Json, root: Json): string[] {
  const resolved = resolve(schema, root);
  const members = (resolved.anyOf ?? resolved.oneOf) as Json[] | undefined;
  if (members !== undefined) return members.flatMap((member) => enumValues(member, root));
  return ((resolved.enum ?? []) as unknown[]).map((value) =>
    typeof value === 'object' && value !== null ? String((value as Json).value) : String(value),
  );
}

function acceptsEnumValue(schema: Json, root: Json, value: string): boolean {
  const resolved = resolve(schema, root);
  const members = (resolved.anyOf ?? resolved.oneOf) as Json[] | undefined;
  if (members !== undefined) return members.some((member) => acceptsEnumValue(member, root, value));
  if (Array.isArray(resolved.enum)) return resolved.enum.includes(value);
  return typesOf(resolved, root).has('string');
}

/** Asserts that every property, type, nullability and required key of `seed` is in `ours`. */
function assertSuperset(seed: Json, seedRoot: Json, ours: Json, ourRoot: Json, where: string) {
  const seedTypes = typesOf(seed, seedRoot);
  const ourTypes = typesOf(ours, ourRoot);
  for (const type of ourTypes) {
    assert.ok(seedTypes.has(type), `${where}: we send ${type}, the seed allows ${[...seedTypes]}`);
  }
  for (const type of seedTypes) {
    if (type === 'null') continue;
    assert.ok(ourTypes.has(type), `${where}: the seed's ${type} is missing from ours`);
  }
  for (const value of enumValues(seed, seedRoot)) {
    assert.ok(acceptsEnumValue(ours, ourRoot, value), `${where}: enum value ${value}`);
  }
  const seedObject = resolve(seed, seedRoot);
  if (seedObject.properties === undefined) return;
  const ourObject = resolve(ours, ourRoot);
  const ourProperties = (ourObject.properties ?? {}) as Record<string, Json>;
  const ourRequired = new Set((ourObject.required ?? []) as string[]);
  for (const [name, property] of Object.entries(seedObject.properties as Record<string, Json>)) {
    const ourProperty = ourProperties[name];
    assert.ok(ourProperty, `${where}.${name} is missing`);
    assertSuperset(property, seedRoot, ourProperty, ourRoot, `${where}.${name}`);
  }
  for (const name of (seedObject.required ?? []) as string[]) {
    assert.ok(ourRequired.has(name), `${where}.${name} must be required`);
  }
}

test("our /generation entry is a superset of OpenRouter's spec (paths, parameters, statuses, every field, type and required key)", async () => {
  const seed = parseYaml(
    await readFile(
      new URL('../fixtures/openrouter-get-generation.openapi.yaml', import.meta.url),
      'utf8',
    ),
  ) as Json & { paths: Record<string, Record<string, Json>> };
  const ours = document as unknown as Json;
  let checkedFields = 0;
  for (const [seedPath, item] of Object.entries(seed.paths)) {
    // The seed's server is https://openrouter.ai/api/v1; ours is the gateway's root.
    const ourItem = document.paths[`/api/v1${seedPath}`];
    assert.ok(ourItem, `path ${seedPath}`);
    for (const [method, seedOperation] of Object.entries(item)) {
      const ourOperation: Json | undefined = ourItem[method];
      assert.ok(ourOperation, `${method} ${seedPath}`);
      const ourParameters = (ourOperation.parameters ?? []) as Json[];
      for (const parameter of seedOperation.parameters as Json[]) {
        if (parameter.in === 'header' && parameter.name === 'Authorization') {
          // OpenAPI ignores an `Authorization` header parameter; ours is the bearer scheme.
          assert.deepEqual(ourOperation.security, [{ bearerAuth: [] }]);
          continue;
        }
        const ourParameter = ourParameters.find(
          (candidate) => candidate.name === parameter.name && candidate.in === parameter.in,
        );
        assert.ok(ourParameter, `parameter ${parameter.in} ${parameter.name}`);
        assert.equal(ourParameter.required, parameter.required);
        assertSuperset(
          parameter.schema as Json,
          seed,
          ourParameter.schema as Json,
          ours,
          `${parameter.name}`,
        );
      }
      const ourResponses = ourOperation.responses as Record<string, Json>;
      for (const [status, response] of Object.entries(
        seedOperation.responses as Record<string, Json>,
      )) {
        assert.ok(ourResponses[status], `response ${status}`);
        const seedSchema = (response.content as Json)['application/json'] as Json | undefined;
        if (seedSchema === undefined) continue;
        const ourSchema = ((ourResponses[status] as Json).content as Json)[
          'application/json'
        ] as Json;
        assertSuperset(seedSchema.schema as Json, seed, ourSchema.schema as Json, ours, status);
        const data = resolve(
          (resolve(seedSchema.schema as Json, seed).properties as Json).data as Json,
          seed,
        );
        checkedFields += Object.keys(data.properties as Json).length;
      }
    }
  }
  assert.equal(checkedFields, 32, "every one of the seed's 32 record fields was checked");
});
