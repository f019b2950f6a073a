import { createHash } from 'node:crypto';

/**
 * The console's only stylesheet and script, served from this process (no CDN, no web fonts).
 * They live in a module rather than as files so that `npm run build` (tsc) carries them into dist.
 */
export const STYLES = `
:root { --fg: #1a1a1a; --muted: #4a4a4a; --bg: #ffffff; --panel: #f4f5f7; --line: #c8ccd2; --accent: #0b4f9c; --accent-fg: #ffffff;
  --ok: #14632b; --warn: #7a4b00; --bad: #a4161a; --focus: #ffbf47; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; font-size: 15px; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--accent); color: var(--accent-fg); padding: .5em 1em; }
.skip:focus { left: 0; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1em; padding: .6em 1.2em; background: #13233a; color: #fff; }
header.top a { color: #fff; text-decoration: none; padding: .3em .5em; border-radius: 4px; }
header.top a[aria-current="page"] { background: #2f4a6e; text-decoration: underline; }
header.top .brand { font-weight: 700; font-size: 1.1em; margin-right: .5em; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: .2em; list-style: none; margin: 0; padding: 0; }
header.top .who { margin-left: auto; display: flex; align-items: center; gap: .6em; font-size: .9em; }
header.top .who button { background: transparent; color: #fff; border: 1px solid #fff; }
main { padding: 1em 1.2em 3em; max-width: 1280px; }
h1 { font-size: 1.5em; margin: .3em 0 .6em; }
h2 { font-size: 1.15em; margin: 1.4em 0 .5em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; font-size: .93em; }
caption { text-align: left; padding: .2em 0; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mono, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; word-break: break-all; }
form.filters, form.inline, fieldset { display: flex; flex-wrap: wrap; gap: .8em; align-items: flex-end; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .8em; margin: .5em 0 1em; }
legend { font-weight: 600; padding: 0 .3em; }
label { display: flex; flex-direction: column; gap: .2em; font-size: .9em; font-weight: 600; }
input, select, textarea { font: inherit; font-weight: 400; padding: .35em .5em; border: 1px solid #6b7280; border-radius: 4px; background: #fff; color: var(--fg); min-width: 8em; }
textarea { min-width: 22em; min-height: 4em; }
button, .button { font: inherit; padding: .4em .9em; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: .8em; margin: .5em 0 1em; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .6em .8em; }
.card .label { font-size: .85em; color: var(--muted); }
.card .value { font-size: 1.3em; font-weight: 600; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05em .5em; border-radius: 999px; font-size: .85em; font-weight: 600; border: 1px solid currentColor; }
.badge.open, .badge.ok, .badge.dismissed { color: var(--ok); }
.badge.frozen, .badge.investigating, .badge.medium, .badge.warn { color: var(--warn); }
.badge.closed, .badge.escalated, .badge.high, .badge.critical, .badge.bad { color: var(--bad); }
.badge.low { color: var(--muted); }
.notice { padding: .6em .8em; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); margin: .5em 0 1em; }
.notice.error { border-color: var(--bad); color: var(--bad); background: #fdf0f0; }
.notice.ok { border-color: var(--ok); color: var(--ok); background: #eef8f0; }
.muted { color: var(--muted); }
.live-status { font-size: .85em; color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-end; }
.pager { margin: .8em 0; display: flex; gap: 1em; }
.graph { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.signin { max-width: 28em; margin: 1em 0; }
.signin form { display: flex; flex-direction: column; gap: .8em; }
.token { font-family: ui-monospace, monospace; background: #fff8e1; border: 1px solid var(--warn); padding: .5em; word-break: break-all; }
label .muted { font-weight: 400; }
::placeholder { color: #6b6b6b; font-weight: 400; font-style: italic; }
time { white-space: nowrap; }
td form { display: inline; }
td button { padding: .2em .7em; }
tr.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: #fff3c4; } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { label .muted { font-weight: 400; }
::placeholder { color: #6b6b6b; font-weight: 400; font-style: italic; }
time { white-space: nowrap; }
td form { display: inline; }
td button { padding: .2em .7em; }
tr.fresh { animation: none; } }
`;

/**
 * Live updates without inline script or eval: [data-live-src] tables get rows pushed over SSE;
 * [data-refresh-src] sections are fetched again when their stream reports an event, or every
 * data-refresh-every ms when the user's role may not open the stream.
 */
export const SCRIPT = `'use strict';
(function () {
  var MAX_ROWS = 500;
  function status(el, text) {
    var s = el.closest('[data-live]');
    var target = s && s.querySelector('[data-live-status]');
    if (target) target.textContent = text;
  }
  function listen(url, el, onRow) {
    var source = new EventSource(url);
    source.addEventListener('open', function () { status(el, 'Live: connected'); });
    source.addEventListener('error', function () { status(el, 'Live: reconnecting…'); });
    source.addEventListener('row', onRow);
    source.addEventListener('end', function (e) { status(el, 'Live: ended (' + e.data + ')'); source.close(); });
    window.addEventListener('pagehide', function () { source.close(); });
  }
  document.querySelectorAll('[data-live-src]').forEach(function (body) {
    listen(body.getAttribute('data-live-src'), body, function (e) {
      var empty = body.querySelector('[data-empty]');
      if (empty) empty.remove();
      body.insertAdjacentHTML('afterbegin', e.data);
      while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
      var count = document.querySelector('[data-live-count]');
      if (count) count.textContent = String(body.rows.length);
    });
  });
  document.querySelectorAll('[data-refresh-src]').forEach(function (section) {
    var busy = false, again = false, latest = '';
    // An event's id is partition:position; the page asks for the read model to have reached it.
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      var src = section.getAttribute('data-refresh-src');
      var at = /^(\\d+):(\\d+)$/.exec(latest);
      if (at) src += (src.indexOf('?') < 0 ? '?' : '&') + 'partition=' + at[1] + '&minPosition=' + at[2];
      fetch(src, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (r) {
          // Signed out meanwhile (the session ended): go where the console sends us.
          if (r.redirected) { window.location.assign(r.url); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html !== null) section.innerHTML = html; })
        .finally(function () { busy = false; if (again) { again = false; refresh(); } });
    }
    var on = section.getAttribute('data-refresh-on');
    var every = Number(section.getAttribute('data-refresh-every'));
    if (on) listen(on, section, function (e) { latest = e.lastEventId || latest; refresh(); });
    else if (every > 0) setInterval(refresh, every);
  });
})();
`;

const version = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Fingerprinted paths, so the assets can be cached for a long time. */
export const ASSET_PATHS = { styles: `/console/assets/console-${version(STYLES)}.css`, script: `/console/assets/console-${version(SCRIPT)}.js` } as const;
