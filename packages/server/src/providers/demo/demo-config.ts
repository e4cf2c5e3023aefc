import type { ConfigFile } from '../../config/config-schema.js';
import { parseConfig } from '../../config/load-config.js';
import { DEMO_MODEL_DESCRIPTION, DEMO_UPSTREAM_MODEL_ID } from './demo-upstream.js';

/** The slug of the built-in demo model. */
export const DEMO_MODEL_ID = 'tollgate/demo';

/** The config of the built-in demo: one model on the demo upstream at `baseUrl`. */
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
      ],
    },
    {},
    'built-in demo config',
  );
}
