import type { ConfigFile } from '../../config/config-schema.js';
import { parseConfig } from '../../config/load-config.js';
import {
  DEMO_EMBEDDING_MODEL_DESCRIPTION,
  DEMO_MODEL_DESCRIPTION,
  DEMO_UPSTREAM_EMBEDDING_MODEL_ID,
  DEMO_UPSTREAM_MODEL_ID,
} from './demo-upstream.js';

/** The slug of the built-in demo model. */
export const DEMO_MODEL_ID = 'tollgate/demo';

/** The slug of the built-in demo embedding model. */
export const DEMO_EMBEDDING_MODEL_ID = 'tollgate/demo-embed';

/**
 * The config of the built-in demo on the demo upstream at `baseUrl`: a text model (chat and legacy
 * completions) and an embedding model, so a fresh install can call every metered endpoint.
 */
export function demoConfig(baseUrl: string): ConfigFile {
  return parseConfig(
    {
      providers: [{ name: 'Tollgate Demo', kind: 'openai', base_url: baseUrl }],
      models: [
        {
          id: DEMO_MODEL_ID,
          name: 'Tollgate Demo (offline simulator)',
          description: DEMO_MODEL_DESCRIPTION,
          context_length: 8192,
          max_completion_tokens: 1024,
          endpoints: [
            {
              provider: 'Tollgate Demo',
              model: DEMO_UPSTREAM_MODEL_ID,
              pricing: { prompt: '0.000001', completion: '0.000002' },
            },
          ],
        },
        {
          id: DEMO_EMBEDDING_MODEL_ID,
          name: 'Tollgate Demo Embeddings (offline simulator)',
          description: DEMO_EMBEDDING_MODEL_DESCRIPTION,
          context_length: 8192,
          output_modalities: ['embeddings'],
          endpoints: [
            {
              provider: 'Tollgate Demo',
              model: DEMO_UPSTREAM_EMBEDDING_MODEL_ID,
              pricing: { prompt: '0.00000002', completion: '0' },
            },
          ],
        },
      ],
    },
    {},
    'built-in demo config',
  );
}
