import { existsSync, readFileSync } from 'node:fs';
import { CORES, freePort, type ProcessGroup } from './process-group.js';
import type { Target } from './targets.js';

/** What a peer gateway needs to start against this run's fake upstream. */
export interface PeerGatewayContext {
  group: ProcessGroup;
  upstreamOrigin: string;
  workDirectory: string;
}

/** Portkey's open-source gateway, installed into bench/node_modules by bench/package.json. */
export const PORTKEY_ENTRY = 'bench/node_modules/@portkey-ai/gateway/build/start-server.js';

/** The Portkey version installed (for the report), or `not installed`. */
export function portkeyVersion(): string {
  try {
    const path = 'bench/node_modules/@portkey-ai/gateway/package.json';
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return 'not installed';
  }
}

/**
 * Starts Portkey's open-source gateway (`@portkey-ai/gateway`, pinned in bench/package.json with
 * an npm `overrides` pin of `@hono/node-server` to 1.13.8: later versions fail every stream with
 * HTTP 500, Portkey issues #1389 and #1550) on the server core, routed to the fake upstream as a
 * custom OpenAI host. It binds every interface and has no host option, so it runs with
 * `--import bench/bind-loopback.mjs`, which makes its `listen` bind 127.0.0.1.
 */
async function startPortkey(context: PeerGatewayContext): Promise<Target> {
  if (!existsSync(PORTKEY_ENTRY)) {
    throw new Error(`${PORTKEY_ENTRY} is missing: run npm ci --prefix bench`);
  }
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await context.group.start({
    name: 'portkey',
    args: ['--import', './bench/bind-loopback.mjs', PORTKEY_ENTRY, `--port=${port}`, '--headless'],
    core: CORES.server,
    env: { NODE_ENV: 'production' },
    healthUrl: `${origin}/`,
  });
  return {
    name: 'Portkey',
    role: 'peer',
    origin,
    chatPath: '/v1/chat/completions',
    headers: {
      authorization: 'Bearer sk-bench-dummy',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${context.upstreamOrigin}/v1`,
    },
    pid: server.pid,
  };
}

/**
 * The peer gateways of the run (Portkey's open-source gateway). Each one returned joins every chat
 * scenario next to Tollgate, interleaved and reported the same way (role `peer`, ratios to the
 * raw proxy, and Tollgate's ratio to it).
 */
export async function startPeerGateways(context: PeerGatewayContext): Promise<Target[]> {
  return [await startPortkey(context)];
}
