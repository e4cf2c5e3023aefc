import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Absolute path of Scalar's self-contained browser bundle in the installed package. */
export function scalarBundlePath(): string {
  const require = createRequire(import.meta.url);
  // The package exports no path to its bundle; its stylesheet export sits next to `browser/`.
  return join(
    dirname(require.resolve('@scalar/api-reference/style.css')),
    'browser',
    'standalone.js',
  );
}

/** Where the page loads its parts from (relative, so the static build works from any folder). */
export interface DocsPageOptions {
  /** URL of `standalone.js`. */
  scriptUrl: string;
  /** URL of the OpenAPI document. */
  documentUrl: string;
  /** URL of the guides' index page (plain HTML pages, see `renderGuidePages`). */
  guidesUrl: string;
  /** The API server the explorer sends requests to; default: the page's own origin. */
  serverUrl?: string | undefined;
}

/**
 * The `/docs` page: Scalar's API reference over our OpenAPI document, fully offline — no
 * default (Google) fonts, no telemetry, no Scalar agent or MCP, no request proxy — and with the
 * explorer pointed at the gateway that serves the page.
 */
export function renderDocsPage(options: DocsPageOptions): string {
  const server =
    options.serverUrl === undefined ? 'window.location.origin' : JSON.stringify(options.serverUrl);
  const origin = 'window.location.origin';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Tollgate API reference</title>
    <link rel="icon" href="data:," />
    <style>
      .tollgate-docs-bar { font: 14px/1.4 system-ui, sans-serif; padding: 0.5rem 1rem;
        border-bottom: 1px solid #e3e5e8; background: #f7f8fa; }
    </style>
  </head>
  <body>
    <nav class="tollgate-docs-bar" aria-label="Documentation">
      <strong>Tollgate</strong> · API reference ·
      <a href=${JSON.stringify(options.guidesUrl)}>Guides</a>
    </nav>
    <div id="app"></div>
    <script src="${options.scriptUrl}"></script>
    <script>
      Scalar.createApiReference('#app', {
        url: ${JSON.stringify(options.documentUrl)},
        // The schemas stay inline in each operation; a "Models" section of them would sit next
        // to the "Models" endpoints and read as the same entry twice.
        hideModels: true,
        servers: [{ url: ${server}, description: 'This gateway' }],
        withDefaultFonts: false,
        telemetry: false,
        proxyUrl: '',
        agent: { disabled: true },
        mcp: { disabled: true },
        externalUrls: {
          dashboardUrl: ${origin},
          registryUrl: ${origin},
          proxyUrl: ${origin},
          apiBaseUrl: ${origin},
        },
        showDeveloperTools: 'never',
        persistAuth: false,
        documentDownloadType: 'both',
        authentication: { preferredSecurityScheme: 'bearerAuth' },
        defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
        operationTitleSource: 'summary',
      });
    </script>
  </body>
</html>
`;
}
