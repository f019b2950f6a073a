import type { App } from '../context.ts';
import { PROBLEM_CODES, type ProblemCode, problemStatus, problemTitle } from '../problem.ts';
import { OPENAPI_INFO, completeDocument } from '../openapi.ts';
import { docsRoutes } from '../reference-page.ts';

export function systemRoutes(app: App, deps: { ready(): Promise<boolean> }): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ready = await deps.ready().catch(() => false);
    return c.json({ status: ready ? 'ready' : 'not_ready' }, ready ? 200 : 503);
  });
  const document = (requestUrl: string) => completeDocument(app.getOpenAPI31Document({ ...OPENAPI_INFO, security: [{ bearer: [] }] }), new URL(requestUrl).origin);
  app.get('/openapi.json', (c) => c.json(document(c.req.url)));
  docsRoutes(app);
  app.get('/problems/:code', (c) => {
    const code = c.req.param('code') as ProblemCode;
    if (!PROBLEM_CODES.includes(code)) return c.notFound();
    return c.json({ type: `/problems/${code}`, code, status: problemStatus(code), title: problemTitle(code) });
  });
}
