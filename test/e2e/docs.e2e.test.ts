import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, startTestLedger } from '../support/harness.ts';

/** Absolute URLs in markup or script source (not the bundle, whose strings are links a reader may follow). */
const EXTERNAL = /(?:src|href)\s*=\s*["']?(?:https?:)?\/\/|https?:\/\//i;

/** /docs: Scalar's renderer from node_modules, no CDN, under a CSP that allows only this origin. */
describe('API reference page (PGlite)', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger('pglite');
  });
  afterAll(() => ledger.close());

  it('serves an HTML page whose scripts are served here, and references no external URL', async () => {
    const page = await ledger.as(null).fetch('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).not.toMatch(EXTERNAL);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual(['/docs/scalar.js', '/docs/init.js']);
    expect(html).not.toMatch(/<script>/); // no inline script: the CSP does not allow one

    const bundle = await ledger.as(null).fetch('/docs/scalar.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    const source = await bundle.text();
    expect(source.length).toBeGreaterThan(1_000_000);
    expect(source).toContain('createApiReference');

    const init = await (await ledger.as(null).fetch('/docs/init.js')).text();
    expect(init).not.toMatch(EXTERNAL);
    expect(init).toContain('"url":"/openapi.json"');
    expect(init).toContain('"withDefaultFonts":false'); // Scalar's default fonts come from fonts.scalar.com
  });

  it('lets the page run scripts from this origin only, and keeps the API locked down', async () => {
    const csp = (await ledger.as(null).fetch('/docs')).headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:|\*/);
    const api = (await ledger.as().fetch('/v1/keys')).headers.get('content-security-policy')!;
    expect(api).not.toContain('script-src');
    expect(api).toContain("default-src 'none'");
  });
});
