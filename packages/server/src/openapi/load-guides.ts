import { existsSync, readFileSync } from 'node:fs';

/** The repository's `docs/` folder (the same depth from `src/openapi/` and `dist/openapi/`). */
export const DOCS_DIR = new URL('../../../../docs/', import.meta.url);

/** Guides shown in the reference, in reading order (paths under `docs/`). */
export const GUIDE_FILES = [
  'guides/quickstart.md',
  'guides/configuration.md',
  'guides/oauth.md',
  'reference/generation-record.md',
  'reference/errors.md',
  'guides/self-hosting.md',
  'guides/multi-node.md',
] as const;

/** One guide: its file under `docs/` and its Markdown (first line `# Title`). */
export interface Guide {
  file: string;
  markdown: string;
}

/**
 * Reads the guides from `docs/` (once, at startup). A checkout without `docs/` (a trimmed
 * deployment) serves the reference without them.
 */
export function loadGuides(docsDir: URL = DOCS_DIR): Guide[] {
  return GUIDE_FILES.flatMap((file) => {
    const url = new URL(file, docsDir);
    return existsSync(url) ? [{ file, markdown: readFileSync(url, 'utf8') }] : [];
  });
}

/**
 * A relative link to another Markdown file (`[errors](../reference/errors.md)`) would 404 inside
 * the reference; it becomes the text plus the file's path in the repository.
 */
function withRepositoryPaths(markdown: string, file: string): string {
  const base = new URL(file, 'file:///docs/');
  return markdown.replace(
    /\[([^\]]+)\]\((?!https?:|#|\/)([^)#\s]+\.md)(#[^)]*)?\)/g,
    (_match, text: string, path: string) =>
      `${text} (\`${new URL(path, base).pathname.slice(1)}\`)`,
  );
}

/**
 * The guides as a document the reference renders next to the API: an OpenAPI document without
 * paths whose description is every guide (Scalar turns its headings into the sidebar).
 */
export function buildGuidesDocument(guides: readonly Guide[]): Record<string, unknown> {
  const contents = guides.map((guide) => {
    const title = /^#\s+(.+)$/m.exec(guide.markdown)?.[1] ?? guide.file;
    return `- **${title}** — \`docs/${guide.file}\``;
  });
  const description = [
    'How to run Tollgate and read what it records. The API itself is in the *Tollgate API* document (selector at the top of the sidebar).',
    contents.join('\n'),
    ...guides.map((guide) => withRepositoryPaths(guide.markdown.trim(), guide.file)),
  ].join('\n\n');
  return {
    openapi: '3.1.0',
    info: { title: 'Tollgate guides', version: 'v1', description },
    paths: {},
  };
}
