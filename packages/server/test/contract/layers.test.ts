/**
 * The layers of packages/server/src (docs/decisions/0026-layers-and-settings.md): every relative
 * import of every `.ts` file under src, type-only ones included, must point to the same layer or a
 * lower one, and no files may import each other in a circle. Reads the sources as text: no module
 * is loaded.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const SOURCE_ROOT = resolve(import.meta.dirname, '../../src');

/**
 * Bottom to top; a module may import its own layer and those before it. A layer is a folder of
 * src (its first path segment) or a file at its top level (named without `.ts`). `generation` is
 * the framework-free metered request path (chat, completions, embeddings): it sits on routing,
 * accounts and the ledger, and only the HTTP side imports it.
 */
const LAYERS = [
  'errors',
  'streaming',
  'logging',
  'config',
  'storage',
  'providers',
  'ledger',
  'accounts',
  'prices',
  'routing',
  'generation',
  'ops',
  'gateway-context',
  'http',
  'openapi',
  'routes',
  'app',
  'start-gateway',
  'cli',
  'main',
  'index',
] as const;

/**
 * Circles known and being removed, each as its files sorted and joined by ` <-> `; the test fails
 * when one of them no longer exists, so the entry is deleted with the circle.
 */
const KNOWN_CIRCLES: ReadonlyMap<string, string> = new Map([]);

/** `import … from './x.js'`, `export … from './x.js'`, `import './x.js'`, `import('./x.js')`. */
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'|(?:^|[\s;(=])import\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

function sourceFiles(directory: string, found: string[] = []): string[] {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) sourceFiles(path, found);
    else if (entry.name.endsWith('.ts')) found.push(relative(SOURCE_ROOT, path));
  }
  return found.sort();
}

/** File → the files it imports (paths relative to src, `.js` specifiers read as `.ts`). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SOURCE_ROOT)) {
    const text = readFileSync(join(SOURCE_ROOT, file), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((match) => {
      const specifier = (match[1] ?? match[2] ?? '').replace(/\.js$/, '.ts');
      return relative(SOURCE_ROOT, resolve(SOURCE_ROOT, dirname(file), specifier));
    });
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

function layerOf(file: string): string {
  const [first = '', ...rest] = file.split('/');
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

/** Groups of files that import each other, directly or through others (Tarjan's algorithm). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file) ?? 0);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('the layers of packages/server/src', () => {
  const graph = importGraph();
  const rank = new Map<string, number>(LAYERS.map((layer, position) => [layer, position]));

  test('reads the sources (the parser finds their imports)', () => {
    assert.ok(graph.size > 100, `only ${graph.size} files under ${SOURCE_ROOT}`);
    assert.ok((graph.get('app.ts') ?? []).includes('gateway-context.ts'));
  });

  test('places every file in a known layer', () => {
    const unknown = [...graph.keys()].filter((file) => !rank.has(layerOf(file)));
    assert.deepEqual(unknown, [], 'add the new folder or top-level file to LAYERS');
  });

  test('imports only from its own layer or lower ones', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = rank.get(layerOf(file));
        const to = rank.get(layerOf(target));
        if (from !== undefined && to !== undefined && to > from)
          upward.push(`${file} -> ${target}`);
      }
    }
    assert.deepEqual(upward, [], 'a lower layer imports a higher one');
  });

  test('has no import circles', () => {
    const found = circles(graph).map((group) => group.join(' <-> '));
    const unexpected = found.filter((circle) => !KNOWN_CIRCLES.has(circle));
    assert.deepEqual(unexpected, [], 'files import each other in a circle');
    const gone = [...KNOWN_CIRCLES.keys()].filter((circle) => !found.includes(circle));
    assert.deepEqual(gone, [], 'a known circle is gone: delete it from KNOWN_CIRCLES');
  });

  test('finds a circle and an upward import when there is one', () => {
    const sample = new Map([
      ['ledger/a.ts', ['ledger/b.ts', 'routes/c.ts']],
      ['ledger/b.ts', ['ledger/a.ts']],
      ['routes/c.ts', []],
    ]);
    assert.deepEqual(circles(sample), [['ledger/a.ts', 'ledger/b.ts']]);
    assert.ok((rank.get(layerOf('routes/c.ts')) ?? 0) > (rank.get(layerOf('ledger/a.ts')) ?? 0));
  });
});
