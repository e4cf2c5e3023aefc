export { ApiKeyAuthenticator, generateKey, hashKey } from './accounts/api-keys.js';
export { createApp } from './app.js';
export type { ConfigFile } from './config/config-schema.js';
export { ConfigError, loadConfigFile, parseConfig } from './config/load-config.js';
export { loadSettings, resolveSettings, type Settings } from './config/settings.js';
export type { GatewayContext } from './gateway-context.js';
export { DEMO_MODEL_ID } from './providers/demo/demo-config.js';
export {
  buildGateway,
  type Gateway,
  type GatewayOptions,
  type RunningGateway,
  startGateway,
} from './start-gateway.js';
