import { stringify } from 'yaml';

/** The OpenAPI document serialized as JSON and YAML (what the routes and the build script emit). */
export interface SerializedOpenApi {
  json: string;
  yaml: string;
}

/** Serializes a document: 2-space JSON with a final newline, and YAML without anchors. */
export function serializeOpenApi(document: unknown): SerializedOpenApi {
  return {
    json: `${JSON.stringify(document, null, 2)}\n`,
    yaml: stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 }),
  };
}
