import type { Operation } from './operations.js';

/** One entry of an operation's `x-codeSamples` (Redocly's extension, read by Scalar). */
export interface CodeSample {
  lang: 'Shell' | 'TypeScript' | 'Python';
  label: string;
  source: string;
}

/** The gateway's default address, used in every sample. */
export const SAMPLE_ORIGIN = 'http://127.0.0.1:8080';

/** The operation's path with its example parameters filled in, plus its example query. */
function exampleUrl(operation: Operation): { path: string; query: Record<string, string> } {
  const examples = operation.parameterExamples ?? {};
  const pathNames = Object.keys(operation.params?.shape ?? {});
  const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) =>
    encodeURIComponent(examples[name] ?? name),
  );
  const query = Object.fromEntries(
    Object.entries(examples).filter(([name]) => !pathNames.includes(name)),
  );
  return { path, query };
}

function curlSample(operation: Operation): string {
  const { path, query } = exampleUrl(operation);
  const search = new URLSearchParams(query).toString();
  const lines = [
    `curl${operation.method === 'get' ? '' : ` -X ${operation.method.toUpperCase()}`} "${SAMPLE_ORIGIN}${path}${search === '' ? '' : `?${search}`}"`,
  ];
  if (operation.auth !== 'public') lines.push('-H "Authorization: Bearer $TOLLGATE_API_KEY"');
  if (operation.body !== undefined) {
    lines.push('-H "Content-Type: application/json"');
    lines.push(`-d '${JSON.stringify(operation.body.example)}'`);
  }
  return lines.join(' \\\n  ');
}

/** A JSON value written as a Python literal. */
function toPython(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${value.map(toPython).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${toPython(item)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

function pythonSample(operation: Operation): string {
  const { path, query } = exampleUrl(operation);
  const args = [`"${SAMPLE_ORIGIN}${path}"`];
  if (Object.keys(query).length > 0) args.push(`params=${toPython(query)}`);
  if (operation.auth !== 'public') {
    args.push('headers={"Authorization": f"Bearer {os.environ[\'TOLLGATE_API_KEY\']}"}');
  }
  if (operation.body !== undefined) args.push(`json=${toPython(operation.body.example)}`);
  const imports = operation.auth === 'public' ? 'import requests' : 'import os\n\nimport requests';
  return [
    imports,
    '',
    `response = requests.${operation.method}(\n    ${args.join(',\n    ')},\n)`,
    'response.raise_for_status()',
    operation.response.mediaType === undefined ? 'print(response.json())' : 'print(response.text)',
  ].join('\n');
}

function sdkSample(call: string): string {
  return [
    "import { Tollgate } from '@tollgate/sdk';",
    '',
    'const client = new Tollgate({',
    '  apiKey: process.env.TOLLGATE_API_KEY,',
    `  serverURL: '${SAMPLE_ORIGIN}/api/v1',`,
    '});',
    call,
  ].join('\n');
}

function openAISample(call: string): string {
  return [
    "import OpenAI from 'openai';",
    '',
    'const client = new OpenAI({',
    `  baseURL: '${SAMPLE_ORIGIN}/api/v1',`,
    '  apiKey: process.env.TOLLGATE_API_KEY,',
    '});',
    call,
  ].join('\n');
}

/** cURL, TypeScript (our SDK and `openai`, where they have the call) and Python samples. */
export function codeSamplesFor(operation: Operation): CodeSample[] {
  const samples: CodeSample[] = [{ lang: 'Shell', label: 'cURL', source: curlSample(operation) }];
  if (operation.sdkCall !== undefined) {
    samples.push({
      lang: 'TypeScript',
      label: 'TypeScript (@tollgate/sdk)',
      source: sdkSample(operation.sdkCall),
    });
  }
  if (operation.openAICall !== undefined) {
    samples.push({
      lang: 'TypeScript',
      label: 'TypeScript (openai)',
      source: openAISample(operation.openAICall),
    });
  }
  samples.push({ lang: 'Python', label: 'Python (requests)', source: pythonSample(operation) });
  return samples;
}
