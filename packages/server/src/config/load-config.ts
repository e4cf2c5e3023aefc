import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ConfigFile, ConfigFileSchema } from './config-schema.js';
import { formatIssues, formatPath } from './format-issues.js';

/** A config file that cannot be used; the message names the file, the path and the problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${VAR}` in every string of a parsed document with the environment's value. */
export function interpolateEnvironment(
  value: unknown,
  environment: Readonly<Record<string, string | undefined>>,
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string) => {
      const replacement = environment[name];
      if (replacement === undefined) {
        throw new ConfigError(`${formatPath(path)}: environment variable ${name} is not set`);
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => interpolateEnvironment(item, environment, [...path, index]));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolateEnvironment(item, environment, [...path, key]),
      ]),
    );
  }
  return value;
}

/** Validates a parsed config document. */
export function parseConfig(
  document: unknown,
  environment: Readonly<Record<string, string | undefined>>,
  source = 'config',
): ConfigFile {
  let interpolated: unknown;
  try {
    interpolated = interpolateEnvironment(document ?? {}, environment);
  } catch (error) {
    throw new ConfigError(`${source}: ${(error as Error).message}`);
  }
  const result = ConfigFileSchema.safeParse(interpolated);
  if (!result.success) {
    const lines = formatIssues(result.error.issues).map((line) => `  - ${line}`);
    throw new ConfigError(`${source} is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Reads a YAML (`.yaml`, `.yml`) or JSON config file and validates it. */
export async function loadConfigFile(
  path: string,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `config file ${path} is not valid YAML/JSON: ${(error as Error).message}`,
    );
  }
  return parseConfig(document, environment, `config file ${path}`);
}
