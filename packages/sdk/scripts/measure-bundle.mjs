#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Measures what a consumer pays for the SDK: bundles (esbuild, minified, browser ESM) entries
// that import parts of the built package and prints the raw and gzipped sizes: one standalone
// function with `TollgateCore`, the OAuth exchange, the full client, and the React Query hooks
// (React and React Query are the app's own: left out of the hook bundles as externals).
// Run after `npm run build`: node packages/sdk/scripts/measure-bundle.mjs
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');

const entries = {
  generationsGetGeneration: `
    import { TollgateCore, generationsGetGeneration } from '@tollgate/sdk';
    const core = new TollgateCore({ apiKey: 'k' });
    generationsGetGeneration(core, { id: 'gen-1' }).then((result) => console.log(result));
  `,
  oAuthExchangeAuthCodeForAPIKey: `
    import { TollgateCore, oAuthExchangeAuthCodeForAPIKey } from '@tollgate/sdk';
    const core = new TollgateCore({});
    oAuthExchangeAuthCodeForAPIKey(core, { code: 'c', codeVerifier: 'v' }).then(console.log);
  `,
  'useOAuthExchangeAuthCodeForAPIKeyMutation (one hook)': `
    import { TollgateProvider, useOAuthExchangeAuthCodeForAPIKeyMutation } from '@tollgate/sdk/react-query';
    console.log(TollgateProvider, useOAuthExchangeAuthCodeForAPIKeyMutation);
  `,
  'every hook (@tollgate/sdk/react-query)': `
    import * as hooks from '@tollgate/sdk/react-query';
    console.log(hooks);
  `,
  'Tollgate (full client)': `
    import { Tollgate } from '@tollgate/sdk';
    new Tollgate({ apiKey: 'k' }).generations.getGeneration({ id: 'gen-1' }).then(console.log);
  `,
};

for (const [name, contents] of Object.entries(entries)) {
  const result = await build({
    stdin: { contents, resolveDir: packageDirectory, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    external: ['react', 'react-dom', '@tanstack/react-query'],
    logLevel: 'error',
  });
  const code = result.outputFiles[0].contents;
  const [output] = Object.values(result.metafile.outputs);
  const modules = Object.entries(output.inputs)
    .filter(([input, { bytesInOutput }]) => input !== '<stdin>' && bytesInOutput > 0)
    .map(([input]) => input);
  console.log(
    `${name}: ${code.length} B minified, ${gzipSync(code).length} B min+gzip, ` +
      `${modules.length} modules: ${modules.map((path) => path.replace(/^.*dist\//, '')).join(', ')}`,
  );
}
