/** A self-contained HTML API reference rendered from the OpenAPI document (no scripts, no CDN). */
export function renderApiReference(doc: { info: { title: string; description?: string }; paths?: Record<string, unknown> }): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const sections: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, { summary?: string; requestBody?: unknown; responses?: Record<string, { description?: string }>; parameters?: Array<{ name: string; in: string }> }>)) {
      const params = (op.parameters ?? []).map((p) => `<code>${esc(p.name)}</code> (${esc(p.in)})`).join(', ');
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><b>${esc(status)}</b> ${esc(r.description ?? '')}</li>`)
        .join('');
      const body = op.requestBody ? `<details><summary>request body schema</summary><pre>${esc(JSON.stringify(op.requestBody, null, 2))}</pre></details>` : '';
      sections.push(
        `<section><h2><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2><p>${esc(op.summary ?? '')}</p>${params ? `<p>Parameters: ${params}</p>` : ''}${body}<ul>${responses}</ul></section>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1b1f24}h2{font-size:1.05em;margin:1.5em 0 .3em}
.m{display:inline-block;min-width:4.5em;padding:.1em .4em;border-radius:4px;color:#fff;font-size:.85em;text-align:center}.get{background:#2f6f3e}.post{background:#1f5fa8}
pre{background:#f5f6f8;padding:.8em;overflow:auto;font-size:12px}section{border-bottom:1px solid #e3e5e8;padding-bottom:.6em}</style></head>
<body><h1>${esc(doc.info.title)} API reference</h1><p>${esc(doc.info.description ?? '')}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>${sections.join('\n')}</body></html>`;
}
