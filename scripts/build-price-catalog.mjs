#!/usr/bin/env node
// Builds Tollgate's committed price catalog (packages/server/src/prices/price-catalog.json) from
// the pinned @pydantic/genai-prices snapshot bundled in node_modules. No network: the package's
// bundled data is read through its own API (`waitForUpdate()` resolves to the bundled providers
// when `updatePrices` was never called). Deterministic: same package version + same as-of date →
// byte-identical output. Usage: node scripts/build-price-catalog.mjs [--as-of YYYY-MM-DD] [--check]
// Imported (by the catalog's drift test), it only exports its functions.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE = '@pydantic/genai-prices';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the catalog is committed. */
export const CATALOG_PATH = join(ROOT, 'packages/server/src/prices/price-catalog.json');
/** Date-conditioned prices are resolved as of this day (UTC); pass --as-of to move it. */
export const DEFAULT_AS_OF = '2026-11-22';
/** Pico-USD resolution: a per-unit price must fit in 12 decimals (docs/decisions/0002-money.md). */
const MAX_DECIMALS = 12;

/** genai-prices key → [OpenRouter pricing field, power of ten the source unit spans]. */
const FIELDS = {
  input_mtok: ['prompt', 6],
  output_mtok: ['completion', 6],
  cache_read_mtok: ['input_cache_read', 6],
  cache_write_mtok: ['input_cache_write', 6],
  output_reasoning_mtok: ['internal_reasoning', 6],
  requests_kcount: ['request', 3],
  web_searches_kcount: ['web_search', 3],
  input_audio_mtok: ['audio', 6],
};
/** Models that produce no output tokens, so a missing output price means nothing to charge. */
const EMBEDDING_MODEL = /embed|bge|voyage|rerank/i;
/** Field order of every catalog entry (OpenRouter's pricing keys). */
const FIELD_ORDER = [
  'prompt',
  'completion',
  'input_cache_read',
  'input_cache_write',
  'internal_reasoning',
  'request',
  'image',
  'web_search',
  'audio',
];

function parseArguments(argv) {
  const options = { asOf: DEFAULT_AS_OF, check: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--check') options.check = true;
    else if (argument === '--as-of') options.asOf = argv[++index] ?? '';
    else throw new Error(`unknown argument ${argument}`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) throw new Error('--as-of needs YYYY-MM-DD');
  return options;
}

/**
 * The exact decimal string of `value / 10^shift`, computed on the digits of the number's shortest
 * round-trip string (what the dataset author wrote), never by float arithmetic. Null when the
 * result needs more than {@link MAX_DECIMALS} decimals.
 */
export function shiftDecimal(value, shift) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`not a finite non-negative number: ${value}`);
  }
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) throw new RangeError(`unexpected number form: ${value}`);
  const [, whole, fraction = '', exponent = '0'] = match;
  let digits = BigInt(whole + fraction);
  let scale = fraction.length - Number(exponent) + shift;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  if (scale > MAX_DECIMALS) return null;
  const text = digits.toString().padStart(scale + 1, '0');
  return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
}

/** The price set in force on `asOf`; time-of-day discounts are not applied (standard price). */
function pricesAsOf(model, asOf, notes, key) {
  if (!Array.isArray(model.prices)) return model.prices;
  let chosen = model.prices[0].prices;
  for (const conditional of model.prices) {
    const constraint = conditional.constraint;
    if (constraint === undefined || constraint === null) continue;
    if (constraint.type === 'start_date') {
      if (constraint.start_date <= asOf) chosen = conditional.prices;
      else notes.scheduled.push(`${key} from ${constraint.start_date}`);
    } else {
      notes.time_of_day.push(key);
    }
  }
  return chosen;
}

/**
 * The full pricing in force above each tier start. genai-prices applies a tier to every token of
 * a price key once the request's input tokens exceed its `start`; a model's keys may tier at
 * different starts, so each distinct start gets every key's price at that size.
 */
function tiersOf(prices, key, notes) {
  const starts = new Set();
  for (const raw of Object.values(prices)) {
    if (raw !== null && typeof raw === 'object')
      for (const tier of raw.tiers) starts.add(tier.start);
  }
  const tiers = [];
  for (const start of [...starts].sort((left, right) => left - right)) {
    const atSize = {};
    for (const [sourceKey, raw] of Object.entries(prices)) {
      if (raw === undefined || raw === null || FIELDS[sourceKey] === undefined) continue;
      let value = raw;
      if (typeof raw === 'object') {
        value = raw.base;
        for (const tier of [...raw.tiers].sort((left, right) => left.start - right.start)) {
          if (tier.start <= start) value = tier.price;
        }
      }
      atSize[sourceKey] = value;
    }
    const pricing = {};
    for (const [sourceKey, value] of Object.entries(atSize)) {
      const field = FIELDS[sourceKey];
      const text = shiftDecimal(value, field[1]);
      if (text === null) {
        notes.skipped.push(
          `${key}: tier above ${start}: ${sourceKey} ${value} needs more than ${MAX_DECIMALS} decimals`,
        );
        return null;
      }
      pricing[field[0]] = text;
    }
    tiers.push({ prompt_tokens_above: start, pricing: ordered(pricing) });
  }
  return tiers;
}

function ordered(pricing) {
  const result = {};
  for (const field of FIELD_ORDER) if (pricing[field] !== undefined) result[field] = pricing[field];
  return result;
}

function convertModel(providerId, model, asOf, notes) {
  const key = `${providerId}/${model.id}`;
  const prices = pricesAsOf(model, asOf, notes, key);
  const pricing = {};
  let tiered = false;
  for (const [sourceKey, raw] of Object.entries(prices)) {
    if (raw === undefined || raw === null) continue;
    const field = FIELDS[sourceKey];
    if (field === undefined) {
      notes.unmapped_price_keys[sourceKey] = (notes.unmapped_price_keys[sourceKey] ?? 0) + 1;
      continue;
    }
    let value = raw;
    if (typeof raw === 'object') {
      tiered = true;
      value = raw.base;
    }
    const text = shiftDecimal(value, field[1]);
    if (text === null) {
      notes.skipped.push(`${key}: ${sourceKey} ${value} needs more than ${MAX_DECIMALS} decimals`);
      return null;
    }
    pricing[field[0]] = text;
  }
  if (Object.keys(prices).length === 0) {
    // Free or unknown: the dataset does not say which, so the catalog does not guess $0.
    notes.skipped.push(`${key}: no prices in the dataset (free or unknown)`);
    return null;
  }
  if (pricing.prompt === undefined) {
    notes.skipped.push(`${key}: no per-token input price (${Object.keys(prices).join(', ')})`);
    return null;
  }
  if (pricing.completion === undefined) {
    if (!EMBEDDING_MODEL.test(model.id)) {
      notes.skipped.push(`${key}: no output price, and not an embedding model`);
      return null;
    }
    // Embedding models complete nothing: there is no output to charge.
    pricing.completion = '0';
    notes.embeddings_without_output_price.push(key);
  }
  if (!tiered) return { pricing: ordered(pricing), tiers: null };
  const tiers = tiersOf(prices, key, notes);
  if (tiers === null) return null;
  notes.tiered.push(key);
  return { pricing: ordered(pricing), tiers };
}

/** Locale-independent ordering, so every machine writes the same file. */
function byCodeUnits(left, right) {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A match rule worth keeping: anything but `{equals: <the model id>}`. */
function matchRule(model) {
  const rule = model.match;
  if (
    rule !== undefined &&
    'equals' in rule &&
    rule.equals.toLowerCase() === model.id.toLowerCase()
  )
    return null;
  return rule ?? null;
}

/** Builds the catalog from the installed, pinned package: `{ catalog, text }` (text as committed). */
export async function buildPriceCatalog(asOf = DEFAULT_AS_OF) {
  const packageJson = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', PACKAGE, 'package.json'), 'utf8'),
  );
  const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies?.[
    PACKAGE
  ];
  if (pinned !== packageJson.version) {
    throw new Error(`${PACKAGE} installed ${packageJson.version}, pinned ${pinned}: run npm ci`);
  }
  const { waitForUpdate } = await import(PACKAGE);
  const data = await waitForUpdate();
  const notes = {
    tiers:
      'Tiered prices (e.g. above 200k prompt tokens) are listed at their base tier under `providers`; `tiers` holds, per model, the full pricing in force once a request has more prompt tokens than `prompt_tokens_above`, applied to every token of the request (as genai-prices does).',
    time_of_day_policy: 'Time-of-day discounts are not applied: the standard price is listed.',
    unmapped:
      'Price keys with no OpenRouter pricing field (listed below with the number of models) are not charged; per-image input prices are per token in the source and are not mapped to `image` (per image).',
    tiered: [],
    time_of_day: [],
    scheduled: [],
    embeddings_without_output_price: [],
    skipped: [],
    unmapped_price_keys: {},
  };
  const providers = {};
  const tiers = {};
  const match = {};
  let models = 0;
  for (const provider of [...data].sort((left, right) => byCodeUnits(left.id, right.id))) {
    const entries = {};
    const rules = [];
    for (const model of provider.models) {
      if (Object.hasOwn(entries, model.id)) {
        notes.skipped.push(`${provider.id}/${model.id}: duplicate id`);
        continue;
      }
      const converted = convertModel(provider.id, model, asOf, notes);
      if (converted === null) continue;
      entries[model.id] = converted.pricing;
      if (converted.tiers !== null) {
        tiers[provider.id] ??= {};
        tiers[provider.id][model.id] = converted.tiers;
      }
      models += 1;
      const rule = matchRule(model);
      if (rule !== null) rules.push([model.id, rule]);
    }
    if (Object.keys(entries).length === 0) continue;
    providers[provider.id] = entries;
    if (rules.length > 0) match[provider.id] = rules;
  }
  notes.time_of_day = [...new Set(notes.time_of_day)];
  notes.unmapped_price_keys = Object.fromEntries(
    Object.entries(notes.unmapped_price_keys).sort(([left], [right]) => byCodeUnits(left, right)),
  );
  const hash = createHash('sha256')
    .update(JSON.stringify({ providers, tiers, match }))
    .digest('hex')
    .slice(0, 12);
  const catalog = {
    version: `genai-prices@${packageJson.version}+${hash}`,
    source: `${PACKAGE}@${packageJson.version} (${packageJson.license}), bundled data`,
    generated_from: {
      package: PACKAGE,
      package_version: packageJson.version,
      prices_as_of: asOf,
      script: 'scripts/build-price-catalog.mjs',
      units: 'USD per token (prompt, completion, cache, reasoning, audio), per request, per search',
    },
    model_count: models,
    notes,
    providers,
    tiers,
    match,
  };
  return { catalog, text: `${JSON.stringify(catalog, null, 1)}\n` };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const { catalog, text } = await buildPriceCatalog(options.asOf);
  if (options.check) {
    if (readFileSync(CATALOG_PATH, 'utf8') !== text) {
      console.error(`${CATALOG_PATH} is out of date: run npm run prices`);
      process.exit(1);
    }
    console.log(`price catalog up to date: ${catalog.version}`);
    return;
  }
  writeFileSync(CATALOG_PATH, text);
  const providerCount = Object.keys(catalog.providers).length;
  console.log(
    `wrote ${catalog.version}: ${catalog.model_count} models, ${providerCount} providers, ${text.length} bytes`,
  );
  for (const line of catalog.notes.skipped) console.log(`skipped ${line}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
