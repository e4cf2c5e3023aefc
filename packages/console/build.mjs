/**
 * Builds the console into packages/server/dist/console (served at /console): one minified ESM
 * bundle, its stylesheet and index.html. Prints the gzipped size of what a browser downloads.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = import.meta.dirname;
const out = join(here, '..', 'server', 'dist', 'console');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  outfile: join(out, 'console.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'error',
});
await copyFile(join(here, 'src', 'index.html'), join(out, 'index.html'));
await copyFile(join(here, 'src', 'console.css'), join(out, 'console.css'));
if (process.argv.includes('--size')) {
  let total = 0;
  for (const file of ['console.js', 'console.css', 'index.html']) {
    const bytes = gzipSync(await readFile(join(out, file)), { level: 9 }).length;
    total += bytes;
    console.log(`${file}: ${(bytes / 1024).toFixed(1)} KiB gzipped`);
  }
  console.log(`total: ${(total / 1024).toFixed(1)} KiB gzipped`);
}
