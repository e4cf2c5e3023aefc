// Per-request CPU cost of the HTTP layer's hooks (CORS, access log + metrics, authentication + rate
// limit, admission slot) in two builds of the server, in one process: each build's own
// installCors / installAdmission / installOperations are loaded from its dist and hung on a Fastify
// app whose inference route answers at once; a bare app with no hooks is the floor. Requests go
// through Fastify's inject (no sockets), in batches of 16, the apps interleaved round by round.
//
//   node --import tsx bench/http-hooks-cost.ts --build base=<dist dir> --build lean=packages/server/dist \
//     [--requests 20000] [--rounds 7]
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';

const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
  },
});
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const BATCH = 16;
/** Access-log lines written (a check that every request was logged). */
let logLines = 0;
const KEY = 'sk-tg-v1-bench-hooks';
const ROUTE = '/api/v1/chat/completions';

/** An app with `build`'s hooks (or none), a key store that always has the bench key. */
async function appOf(distDirectory: string | null): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  if (distDirectory !== null) {
    const load = (path: string) => import(pathToFileURL(`${distDirectory}/${path}`).href);
    const [admission, cors, operations, metrics, apiKeys, rateLimiter] = await Promise.all([
      load('http/admission.js'),
      load('http/cors.js'),
      load('ops/install-operations.js'),
      load('ops/metrics.js'),
      load('accounts/api-keys.js'),
      load('accounts/rate-limiter.js'),
    ]);
    const row = {
      hash: apiKeys.hashKey(KEY),
      name: 'bench',
      label: 'bench',
      isManagement: false,
      disabled: false,
      limitPico: null,
      limitReset: null,
      includeByokInLimit: false,
      workspaceId: 'default',
      creatorUserId: null,
      createdAt: '2026-12-07T00:00:00.000000+00:00',
      updatedAt: null,
      expiresAt: null,
      rateLimit: null,
      storeContent: null,
    };
    const context = {
      authenticator: new apiKeys.ApiKeyAuthenticator({ get: async () => row }),
      rateLimiter: new rateLimiter.MemoryRateLimiter(),
      // A limit no run reaches: the limiter's work is counted, never a 429.
      defaultRateLimit: { requests: 1e12, intervalSeconds: 60 },
      now: Date.now,
      admission: new admission.Admission(),
    };
    // As app.ts installs them: admission, CORS, then operations.
    admission.installAdmission(app, context);
    cors.installCors(app, ['*']);
    const sink = new Writable({
      write: (_chunk, _encoding, done) => {
        logLines += 1;
        done();
      },
    });
    operations.installOperations(app, {
      accessLogger: pino({ level: 'info' }, sink),
      metrics: new metrics.GatewayMetrics({ ledgerQueueDepth: () => 0 }),
      metricsEnabled: false,
      metricsToken: null,
    });
  }
  app.post(ROUTE, async () => ({ ok: true }));
  await app.ready();
  return app;
}

async function run(app: FastifyInstance): Promise<number> {
  const request = {
    method: 'POST' as const,
    url: ROUTE,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    payload: '{"model":"bench/model","messages":[{"role":"user","content":"Hi"}],"stream":true}',
  };
  const started = performance.now();
  for (let sent = 0; sent < REQUESTS; sent += BATCH) {
    const responses = await Promise.all(Array.from({ length: BATCH }, () => app.inject(request)));
    for (const response of responses) {
      if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body}`);
    }
  }
  return ((performance.now() - started) * 1000) / REQUESTS;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const builds: Array<{ name: string; app: FastifyInstance; samples: number[] }> = [
  { name: 'no hooks', app: await appOf(null), samples: [] },
];
for (const build of values.build ?? []) {
  const [name, directory] = build.split('=', 2);
  if (name === undefined || directory === undefined) throw new Error(`--build name=dir: ${build}`);
  builds.push({ name, app: await appOf(directory), samples: [] });
}
for (let round = -1; round < ROUNDS; round += 1) {
  for (let index = 0; index < builds.length; index += 1) {
    const build = builds[(index + Math.max(round, 0)) % builds.length];
    if (build === undefined) continue;
    const micros = await run(build.app);
    if (round >= 0) build.samples.push(micros);
  }
}
const floor = median(builds[0]?.samples ?? []);
console.log(`${REQUESTS} injected requests per sample, ${ROUNDS} rounds, median µs per request:`);
for (const { name, samples } of builds) {
  const micros = median(samples);
  console.log(
    `  ${name.padEnd(10)} ${micros.toFixed(1).padStart(6)}  (hooks: ${(micros - floor).toFixed(1)})`,
  );
}
const hooked = builds.length - 1;
console.log(
  `  (${logLines} access-log lines for ${hooked * (ROUNDS + 1) * REQUESTS} hooked requests)`,
);
