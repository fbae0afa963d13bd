import uplotCss from 'uplot/dist/uPlot.min.css?inline';

/**
 * The dashboard's styles, scoped by its shadow root. Colours are custom properties on the host, so a page
 * can restyle it: `offthread-dashboard { --ot-accent: #8250df; }`. Every text colour meets WCAG AA (4.5:1)
 * on its background.
 */
const css = /* css */ `
:host {
  --ot-font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --ot-mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace;
  --ot-bg: #ffffff;
  --ot-surface: #f6f8fa;
  --ot-hover: #eef1f4;
  --ot-fg: #1f2328;
  --ot-muted: #59636e;
  --ot-border: #d1d9e0;
  --ot-accent: #0969da;
  --ot-focus: #0969da;
  --ot-danger: #cf222e;
  display: block;
  container-type: inline-size;
  color: var(--ot-fg);
  font: 14px/1.45 var(--ot-font);
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.vh { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
.dash { display: grid; gap: 14px; padding: 16px 18px 18px; background: var(--ot-surface); border: 1px solid var(--ot-border); border-radius: 14px; }
header { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { margin: 0; font-size: 17px; font-weight: 650; display: flex; align-items: center; gap: 8px; }
h2 .brand { color: var(--ot-muted); font-weight: 600; }
h2 code { font: 600 14px var(--ot-mono); background: var(--ot-bg); border: 1px solid var(--ot-border); border-radius: 6px; padding: 2px 8px; }
h3 { margin: 0; font-size: 14px; font-weight: 650; }
.spacer { flex: 1; }
.status { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px; font-size: 12.5px; font-weight: 600; }
.status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
.status.running { color: #116329; background: #dafbe1; }
.status.paused { color: #7a4900; background: #fff1c2; }
.status.closed { color: #59636e; background: #eaeef2; }
.notice { font-size: 12.5px; color: var(--ot-muted); min-height: 1em; margin: 0; }
.banner { margin: 0; padding: 8px 12px; border-radius: 8px; background: #ffebe9; border: 1px solid #ffcecb; color: #82071e; }

button { font: inherit; font-size: 13px; font-weight: 600; line-height: 1.2; color: var(--ot-fg); background: var(--ot-bg);
  border: 1px solid var(--ot-border); border-radius: 6px; padding: 6px 12px; min-height: 32px; cursor: pointer; }
button:hover { background: var(--ot-hover); border-color: #afb8c1; }
button[aria-disabled="true"] { color: #6e7781; background: var(--ot-surface); border-color: #e1e6ea; cursor: default; }
button.primary { background: var(--ot-accent); border-color: var(--ot-accent); color: #fff; }
button.primary:hover { background: #0757ba; }
button.danger { color: #b01f29; }
button.danger-solid { background: #b01f29; border-color: #b01f29; color: #fff; }
button.small { padding: 3px 9px; min-height: 26px; font-size: 12px; }
button.big { padding: 7px 16px; }
:focus-visible { outline: 3px solid var(--ot-focus); outline-offset: 2px; }
button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline-offset: 1px; }
.tile:focus-visible { outline-offset: 3px; }

.counts { display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)); gap: 8px; }
.tile { display: flex; flex-direction: column; align-items: flex-start; gap: 2px; padding: 9px 12px 10px; border-radius: 10px;
  border: 1px solid var(--ot-border); border-top: 4px solid var(--state); background: var(--ot-bg); min-height: 0; text-align: left; }
.tile-label { font-size: 11.5px; font-weight: 650; letter-spacing: 0.04em; text-transform: uppercase; color: var(--ot-muted); }
.tile-count { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile[aria-pressed="true"] { background: #ddf4ff; border-color: var(--ot-accent); border-top-color: var(--state); box-shadow: inset 0 0 0 1px var(--ot-accent); }
.s-all { --state: #1f2328; } .s-waiting { --state: #59636e; } .s-delayed { --state: #8250df; } .s-active { --state: #0969da; }
.s-completed { --state: #1a7f37; } .s-failed { --state: #cf222e; } .s-cancelled { --state: #8c959f; } .s-corrupt { --state: #9a6700; }

.panels { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 14px; }
.panel { background: var(--ot-bg); border: 1px solid var(--ot-border); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.panel > h3, .panel-head { margin-bottom: 8px; }
.panel-head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; min-height: 32px; }
.panel-head h3 { flex: 1; }
.bulk { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.confirm { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.confirm-text { font-weight: 600; color: #82071e; }
figure { margin: 0; }
.plot { min-height: 190px; }
.plot-error { margin: 0; padding: 12px 0; color: var(--ot-muted); }
.summary, .note, .muted { color: var(--ot-muted); font-size: 12.5px; }
.note { margin: 4px 0 0; }
.muted { margin: 0; }
.muted code { font: 12px var(--ot-mono); }

table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 7px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid #e4e8ec; }
thead th { background: var(--ot-surface); color: var(--ot-muted); font-size: 11.5px;
  font-weight: 650; letter-spacing: 0.04em; text-transform: uppercase; white-space: nowrap; border-bottom: 1px solid var(--ot-border); }
tbody tr:hover { background: #f8fafb; }
tbody th { font-weight: normal; }
.table-wrap { overflow-x: auto; border: 1px solid var(--ot-border); border-radius: 8px; }
.table-wrap tbody tr:last-child > * { border-bottom: 0; }
.job-name { display: block; font-weight: 600; }
.job-id { display: block; max-width: 25ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--ot-muted); font: 11.5px var(--ot-mono); }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.s-waiting { background: #eaeef2; color: #424a53; }
.badge.s-delayed { background: #fbefff; color: #6639ba; }
.badge.s-active { background: #ddf4ff; color: #0a3069; }
.badge.s-completed { background: #dafbe1; color: #116329; }
.badge.s-failed { background: #ffebe9; color: #a40e26; }
.badge.s-cancelled { background: #f6f8fa; color: #59636e; box-shadow: inset 0 0 0 1px #d1d9e0; }
.badge.s-corrupt { background: #fff8c5; color: #7d4e00; }
.progress { display: inline-block; width: 84px; height: 8px; vertical-align: middle; background: #e4e8ec; border-radius: 999px; overflow: hidden; }
.progress-fill { display: block; height: 100%; background: var(--ot-accent); border-radius: inherit; transition: width 0.2s ease-out; }
tr[data-state="completed"] .progress-fill { background: #1a7f37; }
tr[data-state="failed"] .progress-fill { background: var(--ot-danger); }
.progress-text { margin-left: 8px; font-size: 12px; color: var(--ot-muted); }
td:nth-child(4), td:nth-child(5), td:nth-child(7) { white-space: nowrap; }
td:nth-child(6) { min-width: 18ch; max-width: 44ch; overflow-wrap: anywhere; }
.result { font: 12.5px var(--ot-mono); }
.error { color: #a40e26; }
.error.past { color: var(--ot-muted); }
details.stack { margin-top: 4px; }
details.stack summary { width: max-content; cursor: pointer; font-size: 12px; font-weight: 600; color: #0550ae; }
details.stack pre { margin: 6px 0 0; max-height: 260px; overflow: auto; padding: 8px 10px; background: var(--ot-surface);
  border: 1px solid var(--ot-border); border-radius: 6px; font: 11.5px/1.5 var(--ot-mono); white-space: pre; color: var(--ot-fg); }
.runs { margin: 6px 0 0; padding-left: 20px; font-size: 12px; color: var(--ot-muted); }
.actions { display: flex; gap: 6px; }
td.empty { padding: 28px 10px; text-align: center; color: var(--ot-muted); }
.schedules th, .schedules td { padding: 6px 8px; }
.schedules code { font: 12px var(--ot-mono); }

.pager { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-top: 10px; font-size: 13px; }
.pager form { display: flex; align-items: center; gap: 6px; }
.pager input { width: 6.5em; }
.pager .size { display: flex; align-items: center; gap: 6px; margin-left: auto; }
.pager .range { color: var(--ot-muted); font-variant-numeric: tabular-nums; }
input, select { font: inherit; font-size: 13px; color: var(--ot-fg); background: var(--ot-bg); border: 1px solid #8c959f; border-radius: 6px; padding: 4px 8px; min-height: 32px; }
label { font-weight: 600; }

@container (max-width: 820px) {
  .counts { grid-template-columns: repeat(4, minmax(0, 1fr)); }
  .panels { grid-template-columns: minmax(0, 1fr); }
}
@media (prefers-reduced-motion: reduce) { .progress-fill { transition: none; } }

/* uPlot's own styles (from uplot/dist/uPlot.min.css), then the dashboard's touches to its legend. */
${uplotCss}
.uplot { width: 100%; font-family: var(--ot-font); }
.u-legend { font-size: 12px; color: var(--ot-fg); text-align: left; margin: 4px 0 0; }
.u-legend .u-marker { border-radius: 3px; }
`;

/** The stylesheet, made once: constructable (allowed by a strict CSP, shared by every dashboard on the page) where the browser has them. */
let sheet: CSSStyleSheet | undefined;

/** Puts the dashboard's styles into `root`. */
export function adoptDashboardStyles(root: ShadowRoot): void {
  try {
    sheet ??= new CSSStyleSheet();
    if (sheet.cssRules.length === 0) sheet.replaceSync(css);
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    // No constructable stylesheets (Safari before 16.4): a <style> element.
    if (!root.querySelector('style[data-offthread]')) {
      const style = document.createElement('style');
      style.dataset.offthread = '';
      style.textContent = css;
      root.prepend(style);
    }
  }
}
