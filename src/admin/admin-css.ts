/** The operator page's stylesheet: readable from a phone to a wide screen, light and dark, no external fonts. */
export const ADMIN_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #59636e; --bg: #ffffff; --card: #f4f6f8; --line: #d0d7de;
  --a: #2f6fde; --b: #e08a1e; --bad: #c62828; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9aa5b1; --bg: #0f1419; --card: #1a2129; --line: #30363d;
  --a: #6ea0ff; --b: #f0a545; --bad: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); }
header.top, main, footer, nav.sections { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
header.top { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; padding-top: 12px; }
h1 { font-size: 1.4rem; margin: 0.2em 0; } h2 { font-size: 1.15rem; margin: 1.6em 0 0.4em; }
.note { color: var(--muted); font-size: 0.9rem; margin: 0.3em 0; }
nav.sections { display: flex; flex-wrap: wrap; gap: 4px 14px; padding-top: 4px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
a { color: var(--a); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 14px 0; }
.card { background: var(--card); border-radius: 8px; padding: 10px 12px; }
.card dt { color: var(--muted); font-size: 0.85rem; } .card dd { margin: 2px 0 0; font-size: 1.3rem; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 12px; }
figure { margin: 0; background: var(--card); border-radius: 8px; padding: 8px; min-width: 0; }
figcaption { color: var(--muted); font-size: 0.85rem; }
svg.chart { width: 100%; height: auto; display: block; }
.bar.series-a, .series-a-text { fill: var(--a); } .bar.series-b, .series-b-text { fill: var(--b); }
.axis { stroke: var(--line); } .tick { fill: var(--muted); font-size: 12px; }
svg.spark rect { fill: var(--a); } svg.meter { width: 100%; min-width: 60px; height: 8px; } svg.meter rect { fill: var(--a); }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
caption { text-align: left; color: var(--muted); font-size: 0.85rem; padding: 4px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-weight: 600; white-space: nowrap; } th[scope="row"] { font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.bar-cell { width: 40%; vertical-align: middle; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; overflow-wrap: anywhere; }
code.command { display: block; background: var(--card); padding: 3px 6px; margin: 4px 0; border-radius: 4px; user-select: all; }
details summary { cursor: pointer; color: var(--a); }
.pager { display: flex; gap: 16px; align-items: center; margin: 8px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 380px), 1fr)); gap: 12px 20px; }
.big-number strong { font-size: 1.4rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
main.login { max-width: 420px; padding-top: 10vh; } main.login form { display: grid; gap: 10px; }
input { font: inherit; padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
.error { color: var(--bad); margin: 0; }
footer.note { margin: 0 auto; padding-top: 24px; padding-bottom: 24px; }
@media (max-width: 600px) { :root { font-size: 14px; } th, td { padding: 4px 5px; } }
`;
