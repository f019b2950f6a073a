import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { App } from './context.ts';

/**
 * The API reference at /docs: Scalar's standalone bundle, served from the installed package
 * (node_modules/@scalar/api-reference), so it works offline and nothing is fetched from a CDN.
 * The page has no inline script (the CSP of /docs allows scripts from this origin only); the
 * bundle reads /openapi.json. Scalar's default web fonts (fonts.scalar.com) and telemetry are off.
 */
const BUNDLE_PATH = createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js');

export const DOCS_PATHS = { page: '/docs', bundle: '/docs/scalar.js', init: '/docs/init.js' } as const;

const SCALAR_CONFIG = {
  url: '/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: 'never',
  agent: { disabled: true },
  hideClientButton: true,
  metaData: { title: 'ledger API reference' },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ledger API reference</title>
</head>
<body>
<noscript>The API reference needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="app"></div>
<script src="${DOCS_PATHS.bundle}"></script>
<script src="${DOCS_PATHS.init}"></script>
</body>
</html>
`;

const INIT = `Scalar.createApiReference('#app', ${JSON.stringify(SCALAR_CONFIG)});\n`;

let bundle: Promise<string> | null = null;

export function docsRoutes(app: App): void {
  app.get(DOCS_PATHS.page, (c) => c.html(PAGE));
  app.get(DOCS_PATHS.init, (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get(DOCS_PATHS.bundle, async (c) => {
    bundle ??= readFile(BUNDLE_PATH, 'utf8');
    return c.body(await bundle, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' });
  });
}
