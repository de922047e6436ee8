/**
 * The one stylesheet, served at /static/site.css (the Content-Security-Policy allows styles from the site
 * itself only, no inline style). Mobile first: one column, tables scroll sideways inside their box instead
 * of widening the page; system fonts; light and dark.
 */
export const SITE_CSS = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1d1f; --muted: #5f6368; --line: #dcdcd8; --accent: #0b57d0; --warn: #8a4b00; --card: #fff; }
@media (prefers-color-scheme: dark) { :root { --bg: #151517; --fg: #ececec; --muted: #a3a3a8; --line: #34343a; --accent: #8ab4f8; --warn: #f3b46a; --card: #1e1e21; } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
a { color: var(--accent); }
header.site { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); }
header.site .brand { font-weight: 700; text-decoration: none; color: var(--fg); font-size: 1.1rem; }
header.site nav { display: flex; gap: 1rem; }
header.site nav a { text-decoration: none; }
header.site nav a[aria-current] { font-weight: 600; text-decoration: underline; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
/* Long words and URLs in notes wrap; inside tables, cells keep their words and the table scrolls instead. */
table { overflow-wrap: normal; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
small, .kind, time { color: var(--muted); }
.kind { font-size: .85em; white-space: nowrap; }
.years { display: flex; flex-wrap: wrap; gap: .5rem 1rem; margin-bottom: 1rem; }
dl.fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .5rem 1.5rem; margin: 1rem 0; }
dl.fields div { border-left: 3px solid var(--line); padding-left: .6rem; }
dt { font-size: .85rem; color: var(--muted); }
dd { margin: 0; font-weight: 500; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 1rem 0; border: 1px solid var(--line); border-radius: 6px; background: var(--card); }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; padding: .5rem .75rem; font-weight: 600; }
th, td { padding: .45rem .75rem; text-align: left; vertical-align: top; border-top: 1px solid var(--line); }
thead th { border-top: 0; font-size: .85rem; color: var(--muted); font-weight: 600; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tfoot td { font-weight: 700; border-top: 2px solid var(--fg); }
table.figures td:nth-child(2) { white-space: nowrap; }
tr.status-weak td { color: var(--muted); }
tr.status-disputed td:nth-child(5), .error { color: var(--warn); }
figure.chart { margin: 1rem 0; }
figure.chart img { display: block; width: 100%; height: auto; border-radius: 6px; border: 1px solid var(--line); background: #fff; }
ul.notes { padding-left: 1.2rem; color: var(--fg); }
ul.notes li { margin: .25rem 0; }
.sources ol { padding-left: 1.4rem; }
.sources li { margin: .35rem 0; overflow-wrap: anywhere; }
form.pick fieldset { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .35rem 1rem; border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
form.pick label { display: flex; gap: .4rem; align-items: center; min-height: 2rem; }
button { font: inherit; padding: .5rem 1.1rem; margin-top: .75rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; }
.sign-in form { display: grid; gap: .5rem; max-width: 22rem; }
.sign-in input { font: inherit; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); }
form.sign-out { float: right; }
pre.refusal { white-space: pre-wrap; background: var(--card); border: 1px solid var(--line); padding: .75rem; border-radius: 6px; font-size: .85rem; }
footer.site { max-width: 62rem; margin: 2rem auto 0; padding: 1rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .9rem; }
@media (min-width: 48rem) { h1 { font-size: 1.9rem; } main { padding: 1.5rem 2rem; } }
`;
