import type { ProcessGroup } from './process-group.js';
import type { Target } from './targets.js';

/** What a peer gateway needs to start against this run's fake upstream. */
export interface PeerGatewayContext {
  group: ProcessGroup;
  upstreamOrigin: string;
  workDirectory: string;
}

/**
 * The hook for peer gateways (none yet). Each one returned joins every chat scenario next to
 * Tollgate, interleaved and reported the same way (role `peer`, ratios to the raw proxy).
 *
 * To add Portkey's open-source gateway (see shared/notes/benchmarking.md): add
 * `@portkey-ai/gateway@1.15.2` to bench/package.json with an npm `overrides` pin of
 * `@hono/node-server` to 1.13.8 (later versions fail every stream with HTTP 500); start
 * `build/start-server.js --port=N --headless` on `CORES.server` through `group.start`, with
 * `--import` of a small module that patches `net.Server.prototype.listen` to bind 127.0.0.1 (it
 * has no host option); and return a Target with `chatPath: '/v1/chat/completions'` and headers
 * `x-portkey-provider: openai`, `x-portkey-custom-host: <upstreamOrigin>/v1` and a dummy
 * `authorization`.
 */
export async function startPeerGateways(_context: PeerGatewayContext): Promise<Target[]> {
  return [];
}
