import { CORES, freePort, type ProcessGroup } from './process-group.js';
import type { Target } from './targets.js';

/** The headers the baselines are sent (they check nothing; the fake upstream wants a bearer). */
const BASELINE_HEADERS = { authorization: 'Bearer sk-bench-dummy' };

/**
 * Starts the fake OpenAI-compatible upstream (bench/fake-upstream.ts) on the load core; the
 * returned target is **direct**: the upstream itself, with no gateway in front.
 */
export async function startFakeUpstream(group: ProcessGroup, chunks: number): Promise<Target> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const upstream = await group.start({
    name: 'fake-upstream',
    args: ['--import', 'tsx', 'bench/fake-upstream.ts', '--port', String(port)].concat([
      '--chunks',
      String(chunks),
    ]),
    core: CORES.load,
    healthUrl: `${origin}/health`,
  });
  return {
    name: 'direct',
    role: 'direct',
    origin,
    chatPath: '/v1/chat/completions',
    headers: BASELINE_HEADERS,
    pid: upstream.pid,
  };
}

/** Starts the raw proxy (bench/raw-proxy.ts) in front of `upstreamOrigin`, on the server core. */
export async function startRawProxy(group: ProcessGroup, upstreamOrigin: string): Promise<Target> {
  const port = await freePort();
  const proxy = await group.start({
    name: 'raw-proxy',
    args: ['--import', 'tsx', 'bench/raw-proxy.ts', '--port', String(port)].concat([
      '--upstream',
      upstreamOrigin,
    ]),
    core: CORES.server,
    healthUrl: `http://127.0.0.1:${port}/health`,
  });
  return {
    name: 'raw proxy',
    role: 'raw-proxy',
    origin: `http://127.0.0.1:${port}`,
    chatPath: '/api/v1/chat/completions',
    headers: BASELINE_HEADERS,
    pid: proxy.pid,
  };
}
