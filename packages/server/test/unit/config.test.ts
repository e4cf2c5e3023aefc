import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { PROVIDER_KINDS } from '../../src/config/config-schema.js';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load-config.js';

const VALID_YAML = `
providers:
  - name: openai
    kind: openai
    base_url: https://api.openai.com/v1
    api_key: \${OPENAI_API_KEY}
    headers:
      x-org: "org-\${ORG_ID}-prod"
  - name: local
    kind: openai
    base_url: http://127.0.0.1:11434/v1
    timeout_ms: 30000
models:
  - id: openai/gpt-4o-mini
    name: GPT-4o mini
    context_length: 128000
    endpoints:
      - provider: openai
        model: gpt-4o-mini
        pricing:
          prompt: "0.00000015"
          completion: "0.0000006"
          input_cache_read: "0.000000075"
  - id: meta-llama/llama-3.1-8b:free
    endpoints:
      - provider: local
        model: llama3.1:8b
        pricing: { prompt: "0", completion: "0" }
data_region: eu
`;

const ENVIRONMENT = { OPENAI_API_KEY: 'sk-test-123', ORG_ID: '42' };

async function tempDirectory(t: TestContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-config-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

async function writeConfig(t: TestContext, name: string, text: string): Promise<string> {
  const path = join(await tempDirectory(t), name);
  await writeFile(path, text);
  return path;
}

/** A minimal valid document, as parsed from YAML or JSON, for editing one field at a time. */
function validDocument() {
  return {
    providers: [{ name: 'openai', kind: 'openai', base_url: 'https://api.openai.com/v1' }],
    models: [
      {
        id: 'openai/gpt-4o',
        endpoints: [
          {
            provider: 'openai',
            model: 'gpt-4o',
            pricing: { prompt: '0.0000025', completion: '0.00001' },
          },
        ],
      },
    ],
  };
}

/** Runs `load` and returns the ConfigError's message (fails if anything else happens). */
async function configErrorOf(load: () => unknown): Promise<string> {
  try {
    await load();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.name, 'ConfigError');
    return error.message;
  }
  assert.fail('the config was accepted');
}

describe('loadConfigFile', () => {
  test('loads a valid YAML file, with defaults filled in', async (t) => {
    const path = await writeConfig(t, 'tollgate.yaml', VALID_YAML);
    const config = await loadConfigFile(path, ENVIRONMENT);
    assert.equal(config.data_region, 'eu');
    assert.equal(config.providers.length, 2);
    assert.equal(config.providers[0]?.timeout_ms, 120_000);
    assert.equal(config.providers[1]?.timeout_ms, 30_000);
    assert.equal(config.providers[1]?.api_key, undefined);
    assert.deepEqual(config.models[0]?.endpoints[0]?.pricing, {
      prompt: '0.00000015',
      completion: '0.0000006',
      input_cache_read: '0.000000075',
    });
    assert.equal(config.models[1]?.id, 'meta-llama/llama-3.1-8b:free');
  });

  test('replaces each environment reference with its value anywhere in a string', async (t) => {
    const path = await writeConfig(t, 'tollgate.yml', VALID_YAML);
    const config = await loadConfigFile(path, ENVIRONMENT);
    assert.equal(config.providers[0]?.api_key, 'sk-test-123');
    assert.deepEqual(config.providers[0]?.headers, { 'x-org': 'org-42-prod' });
  });

  test('does not expand a reference again inside a substituted value', async (t) => {
    const path = await writeConfig(t, 'tollgate.yaml', VALID_YAML);
    const config = await loadConfigFile(path, { ...ENVIRONMENT, OPENAI_API_KEY: `\${ORG_ID}` });
    assert.equal(config.providers[0]?.api_key, `\${ORG_ID}`);
  });

  test('names the path of a string whose environment variable is not set', async (t) => {
    const path = await writeConfig(t, 'tollgate.yaml', VALID_YAML);
    const message = await configErrorOf(() => loadConfigFile(path, { ORG_ID: '42' }));
    assert.equal(
      message,
      `config file ${path}: providers[0].api_key: environment variable OPENAI_API_KEY is not set`,
    );
  });

  test('loads a JSON file', async (t) => {
    const path = await writeConfig(t, 'tollgate.json', JSON.stringify(validDocument()));
    const config = await loadConfigFile(path, {});
    assert.equal(config.models[0]?.id, 'openai/gpt-4o');
    assert.equal(config.data_region, 'global');
  });

  test('loads an empty YAML file as an empty config', async (t) => {
    const path = await writeConfig(t, 'empty.yaml', '');
    assert.deepEqual(await loadConfigFile(path, {}), {
      providers: [],
      models: [],
      data_region: 'global',
      byok: { fee_percent: '0', credentials: [] },
    });
  });

  test('rejects an unreadable file with a ConfigError naming the file', async (t) => {
    const path = join(await tempDirectory(t), 'missing.yaml');
    const message = await configErrorOf(() => loadConfigFile(path, {}));
    assert.match(message, /^cannot read config file /);
    assert.ok(message.includes(path), message);
  });

  test('rejects invalid YAML with a ConfigError naming the file', async (t) => {
    const path = await writeConfig(t, 'broken.yaml', 'providers:\n  - name: [unclosed\n');
    const message = await configErrorOf(() => loadConfigFile(path, {}));
    assert.ok(message.startsWith(`config file ${path} is not valid YAML/JSON: `), message);
  });

  test('rejects invalid JSON in a .json file with a ConfigError naming the file', async (t) => {
    const path = await writeConfig(t, 'broken.json', '{"providers": [}');
    const message = await configErrorOf(() => loadConfigFile(path, {}));
    assert.ok(message.startsWith(`config file ${path} is not valid YAML/JSON: `), message);
  });

  test('names the file and the exact path of a schema error', async (t) => {
    const document = validDocument();
    Object.assign(document.models[0]?.endpoints[0]?.pricing ?? {}, { prompt: '1e-6' });
    const path = await writeConfig(t, 'tollgate.json', JSON.stringify(document));
    const message = await configErrorOf(() => loadConfigFile(path, {}));
    assert.ok(message.startsWith(`config file ${path} is invalid:\n`), message);
    assert.match(message, /\n {2}- models\[0\]\.endpoints\[0\]\.pricing\.prompt: /);
  });
});

describe('parseConfig errors', () => {
  type Edit = (document: ReturnType<typeof validDocument>) => unknown;
  const cases: Array<{ title: string; edit: Edit; line: string }> = [
    {
      title: 'a price given as a YAML number instead of a string',
      edit: (document) => {
        Object.assign(document.models[0]?.endpoints[0]?.pricing ?? {}, { prompt: 0.000001 });
        return document;
      },
      line: 'models[0].endpoints[0].pricing.prompt: a price must be a decimal string such as "0.000001"',
    },
    {
      title: 'a price string with an exponent',
      edit: (document) => {
        Object.assign(document.models[0]?.endpoints[0]?.pricing ?? {}, { prompt: '1e-6' });
        return document;
      },
      line: 'models[0].endpoints[0].pricing.prompt: a price must be a non-negative plain decimal string with at most 12 decimal places, e.g. "0.000001"',
    },
    {
      title: 'a negative price',
      edit: (document) => {
        Object.assign(document.models[0]?.endpoints[0]?.pricing ?? {}, { completion: '-0.1' });
        return document;
      },
      line: 'models[0].endpoints[0].pricing.completion: a price must be a non-negative plain decimal string with at most 12 decimal places, e.g. "0.000001"',
    },
    {
      title: 'an unknown provider reference',
      edit: (document) => {
        Object.assign(document.models[0]?.endpoints[0] ?? {}, { provider: 'azure' });
        return document;
      },
      line: 'models[0].endpoints[0].provider: unknown provider "azure" (declare it under providers)',
    },
    {
      title: 'a duplicate model id',
      edit: (document) => {
        const model = document.models[0];
        if (model !== undefined) document.models.push({ ...model });
        return document;
      },
      line: 'models[1].id: duplicate model id "openai/gpt-4o"',
    },
    {
      title: 'a duplicate provider name',
      edit: (document) => {
        const provider = document.providers[0];
        if (provider !== undefined) document.providers.push({ ...provider });
        return document;
      },
      line: 'providers[1].name: duplicate provider name "openai"',
    },
    {
      title: 'an unknown top-level key',
      edit: (document) => ({ ...document, modles: [] }),
      line: 'root: Unrecognized key: "modles"',
    },
    {
      title: 'an unknown key inside a provider',
      edit: (document) => {
        Object.assign(document.providers[0] ?? {}, { apikey: 'sk-1' });
        return document;
      },
      line: 'providers[0]: Unrecognized key: "apikey"',
    },
    {
      title: 'a provider kind Tollgate does not speak',
      edit: (document) => {
        Object.assign(document.providers[0] ?? {}, { kind: 'cohere' });
        return document;
      },
      line: `providers[0].kind: must be one of: ${PROVIDER_KINDS.join(', ')}`,
    },
    {
      title: 'a base URL that is not http(s)',
      edit: (document) => {
        Object.assign(document.providers[0] ?? {}, { base_url: 'ftp://example.com' });
        return document;
      },
      line: 'providers[0].base_url: must be an http(s) URL',
    },
    {
      title: 'a model id without an author',
      edit: (document) => {
        Object.assign(document.models[0] ?? {}, { id: 'gpt-4o' });
        return document;
      },
      line: 'models[0].id: must look like "author/slug"',
    },
    {
      title: 'a model without endpoints',
      edit: (document) => {
        Object.assign(document.models[0] ?? {}, { endpoints: [] });
        return document;
      },
      line: 'models[0].endpoints: needs at least one endpoint',
    },
    {
      title: 'an OAuth callback origin with a path',
      edit: (document) => ({
        ...document,
        oauth_callback_origins: ['https://app.example.com', 'https://app.example.com/callback'],
      }),
      line: 'oauth_callback_origins[1]: must be an origin: scheme://host[:port], no path (e.g. https://app.example.com)',
    },
    {
      title: 'a prepared-statements switch given as a string',
      edit: (document) => ({ ...document, database_prepared_statements: 'off' }),
      line: 'database_prepared_statements: must be true or false',
    },
  ];

  for (const { title, edit, line } of cases) {
    test(`names the exact path of ${title}`, () => {
      const document = edit(validDocument());
      assert.throws(
        () => parseConfig(document, {}, 'test config'),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.message, `test config is invalid:\n  - ${line}`);
          return true;
        },
      );
    });
  }

  test('accepts the unedited document', () => {
    assert.equal(parseConfig(validDocument(), {}).models.length, 1);
  });
});
