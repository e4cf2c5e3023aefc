import { existsSync, readFileSync } from 'node:fs';

/** The repository's `docs/` folder (the same depth from `src/openapi/` and `dist/openapi/`). */
export const DOCS_DIR = new URL('../../../../docs/', import.meta.url);

/** Guides served as pages, in reading order (paths under `docs/`). */
export const GUIDE_FILES = [
  'guides/quickstart.md',
  'guides/configuration.md',
  'guides/oauth.md',
  'reference/generation-record.md',
  'reference/errors.md',
  'reference/models.md',
  'guides/self-hosting.md',
  'guides/multi-node.md',
  'deployment.md',
  'security.md',
] as const;

/** One guide: its file under `docs/`, its page slug and its Markdown (first line `# Title`). */
export interface Guide {
  file: string;
  /** The file's name without `.md`: its page is `/docs/guides/<slug>`. */
  slug: string;
  title: string;
  markdown: string;
}

/**
 * Reads the guides from `docs/` (once, at startup). A checkout without `docs/` (a trimmed
 * deployment) serves the reference without them.
 */
export function loadGuides(docsDir: URL = DOCS_DIR): Guide[] {
  return GUIDE_FILES.flatMap((file) => {
    const url = new URL(file, docsDir);
    if (!existsSync(url)) return [];
    const markdown = readFileSync(url, 'utf8');
    const slug = file.replace(/^.*\//, '').replace(/\.md$/, '');
    const title = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? slug;
    return [{ file, slug, title, markdown }];
  });
}
