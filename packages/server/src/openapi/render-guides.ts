import { Marked, type Tokens } from 'marked';
import type { Guide } from './load-guides.js';

/** Where the rendered pages link to (the gateway serves absolute paths, the static site relative). */
export interface GuideLinks {
  /** URL of a guide's page, by slug. */
  page(slug: string): string;
  /** URL of the guides' index page. */
  index: string;
  /** URL of the API reference (Scalar). */
  apiReference: string;
}

/** The gateway's own URLs: `/docs/guides/<slug>`, `/docs/guides`, `/docs`. */
export const GATEWAY_GUIDE_LINKS: GuideLinks = {
  page: (slug) => `/docs/guides/${slug}`,
  index: '/docs/guides',
  apiReference: '/docs',
};

/** The rendered documentation: the index page and one page per guide slug. */
export interface GuidePages {
  index: string;
  pages: ReadonlyMap<string, string>;
}

/**
 * Renders the guides as plain HTML pages (Markdown by `marked`), each with a sidebar of every
 * guide and the API reference. A relative link to another guide's file becomes a link to its
 * page (anchor kept); a relative link to any other file of the repository, which the gateway
 * does not serve, becomes its text followed by the file's path.
 */
export function renderGuidePages(guides: readonly Guide[], links: GuideLinks): GuidePages {
  const bySlug = new Map(guides.map((guide) => [guide.slug, guide]));
  const byFile = new Map(guides.map((guide) => [`docs/${guide.file}`, guide]));
  const pages = new Map<string, string>();
  for (const guide of guides) {
    const body = renderMarkdown(guide, byFile, links);
    pages.set(guide.slug, renderPage(guide.title, body, guides, links, guide.slug));
  }
  const list = guides
    .map(
      (guide) =>
        `<li><a href="${escapeHtml(links.page(guide.slug))}">${escapeHtml(guide.title)}</a></li>`,
    )
    .join('\n');
  const index = renderPage(
    'Tollgate documentation',
    `<h1>Tollgate documentation</h1>\n<p>How to run Tollgate and read what it records. Every endpoint is in the <a href="${escapeHtml(links.apiReference)}">API reference</a>.</p>\n<ul>\n${list}\n</ul>`,
    [...bySlug.values()],
    links,
    null,
  );
  return { index, pages };
}

function renderMarkdown(guide: Guide, byFile: Map<string, Guide>, links: GuideLinks): string {
  const base = new URL(guide.file, 'file:///docs/');
  const headingIds = new Map<string, number>();
  const marked = new Marked({
    gfm: true,
    renderer: {
      heading(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token) {
        const id = uniqueId(toAnchor(token.text), headingIds);
        return `<h${token.depth} id="${id}">${this.parser.parseInline(token.tokens)}</h${token.depth}>\n`;
      },
      link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token) {
        if (/^(?:[a-z]+:|#|\/)/i.test(token.href)) return false;
        const target = new URL(token.href, base);
        const text = this.parser.parseInline(token.tokens);
        const linked = byFile.get(target.pathname.slice(1));
        if (linked !== undefined) {
          return `<a href="${escapeHtml(links.page(linked.slug) + target.hash)}">${text}</a>`;
        }
        return `${text} (<code>${escapeHtml(decodeURIComponent(target.pathname.slice(1)))}</code>)`;
      },
    },
  });
  return marked.parse(guide.markdown, { async: false });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function toAnchor(text: string): string {
  return text
    .replace(/`|\*\*?|__?/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function uniqueId(anchor: string, seen: Map<string, number>): string {
  const count = seen.get(anchor) ?? 0;
  seen.set(anchor, count + 1);
  return count === 0 ? anchor : `${anchor}-${count}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE = `
  body { margin: 0; display: flex; font: 16px/1.6 system-ui, sans-serif; color: #1c1e21; }
  nav { flex: 0 0 16rem; padding: 1.5rem 1rem; border-right: 1px solid #e3e5e8; background: #f7f8fa;
    min-height: 100vh; box-sizing: border-box; }
  nav ul { list-style: none; padding: 0; margin: 0.5rem 0 1.5rem; }
  nav li { margin: 0.3rem 0; }
  nav a { color: #1c1e21; text-decoration: none; }
  nav a[aria-current="page"] { font-weight: 600; color: #0b5fff; }
  main { flex: 1; max-width: 52rem; padding: 1.5rem 2.5rem 4rem; min-width: 0; }
  a { color: #0b5fff; }
  pre { background: #f3f4f6; padding: 0.8rem 1rem; overflow-x: auto; border-radius: 6px; }
  code { font: 0.9em ui-monospace, monospace; }
  table { border-collapse: collapse; display: block; overflow-x: auto; }
  th, td { border: 1px solid #dcdfe3; padding: 0.35rem 0.6rem; vertical-align: top; text-align: left; }
`;

function renderPage(
  title: string,
  body: string,
  guides: readonly Guide[],
  links: GuideLinks,
  current: string | null,
): string {
  const items = guides
    .map((guide) => {
      const mark = guide.slug === current ? ' aria-current="page"' : '';
      return `<li><a href="${escapeHtml(links.page(guide.slug))}"${mark}>${escapeHtml(guide.title)}</a></li>`;
    })
    .join('\n        ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)} · Tollgate</title>
    <link rel="icon" href="data:," />
    <style>${STYLE}</style>
  </head>
  <body>
    <nav aria-label="Documentation">
      <a href="${escapeHtml(links.index)}"><strong>Tollgate docs</strong></a>
      <ul>
        ${items}
      </ul>
      <a href="${escapeHtml(links.apiReference)}">API reference →</a>
    </nav>
    <main>
${body}
    </main>
  </body>
</html>
`;
}
