"""The inline style sheet of the HTML report (:mod:`scaleweave.report.html`).

One string, ``_CSS``, put in the page's ``<style>`` element: no web fonts, no external
URLs, and print rules so the page prints one case a page.
"""

from __future__ import annotations

_CSS = """
:root {
  --text: #1d2533; --muted: #5f6b7a; --faint: #8a94a3; --line: #e3e7ed; --stripe: #f6f8fa;
  --bg: #ffffff; --page: #f3f5f8; --accent: #2457c5;
  --good: #17703a; --good-bg: #e2f4e8; --good-line: #b5e0c3;
  --bad: #b42318; --bad-bg: #fdeceb; --bad-line: #f5c2bd;
  --warn: #8a4b00; --warn-bg: #fff3dc; --warn-line: #f3d08f;
  --neutral: #4b5563; --neutral-bg: #eef0f3; --neutral-line: #d5d9df;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
          "Liberation Sans", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--page); color: var(--text); font-family: var(--sans);
       font-size: 15px; line-height: 1.5; }
.wrap { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font-family: var(--mono); font-size: 0.88em; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
.muted { color: var(--muted); }

.page-header { background: var(--bg); border-bottom: 1px solid var(--line);
               padding: 28px 0 22px; margin-bottom: 28px; }
.page-header h1 { font-size: 26px; font-weight: 700; letter-spacing: -0.01em; }
.page-header p { margin: 6px 0 0; }
.folder { color: var(--muted); font-size: 14px; }
.folder code { color: var(--text); background: var(--stripe); border: 1px solid var(--line);
               border-radius: 4px; padding: 1px 6px; word-break: break-all; }
.status { display: inline-block; margin-top: 14px !important; padding: 7px 14px;
          border-radius: 6px; font-weight: 600; border: 1px solid; }
.status.good { color: var(--good); background: var(--good-bg); border-color: var(--good-line); }
.status.bad { color: var(--bad); background: var(--bad-bg); border-color: var(--bad-line); }
.status.warn { color: var(--warn); background: var(--warn-bg); border-color: var(--warn-line); }
.status-note { color: var(--bad); font-size: 14px; }
.meta { color: var(--muted); font-size: 14px; }
.meta strong { color: var(--text); }

section.overview, section.case { background: var(--bg); border: 1px solid var(--line);
  border-radius: 10px; padding: 22px 26px 18px; margin-bottom: 24px;
  box-shadow: 0 1px 2px rgba(16, 24, 40, 0.04); }
section h2 { font-size: 20px; font-weight: 650; }
.overview h2 { margin-bottom: 12px; }
.case-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.case-head h2 a.anchor { color: var(--text); }
.case-facts { margin: 6px 0 0; color: var(--muted); font-size: 13.5px; }
.description { margin: 12px 0 0; max-width: 78ch; }
h3 { font-size: 13px; font-weight: 650; text-transform: uppercase; letter-spacing: 0.06em;
     color: var(--muted); margin: 24px 0 8px; }
.error { color: var(--bad); font-weight: 600; margin: 12px 0 4px; }
.note { color: var(--warn); font-size: 13.5px; margin: 8px 0; }
.back { margin: 18px 0 0; font-size: 13px; text-align: right; }

.badge { display: inline-block; min-width: 3.6em; padding: 2px 9px; border-radius: 999px;
         border: 1px solid; font-size: 11.5px; font-weight: 700; letter-spacing: 0.05em;
         text-align: center; line-height: 1.5; white-space: nowrap; vertical-align: middle; }
.badge.good { color: var(--good); background: var(--good-bg); border-color: var(--good-line); }
.badge.bad { color: var(--bad); background: var(--bad-bg); border-color: var(--bad-line); }
.badge.warn { color: var(--warn); background: var(--warn-bg); border-color: var(--warn-line); }
.badge.neutral { color: var(--neutral); background: var(--neutral-bg);
                 border-color: var(--neutral-line); }
.badge.expected { color: var(--neutral); background: var(--neutral-bg);
                  border-color: var(--neutral-line); border-style: dashed; }
td.badge-cell .sub { display: block; color: var(--faint); font-size: 11px; }
.expected-note { font-size: 13px; margin: 8px 0 0; }
section.skipped-cases { background: var(--bg); border: 1px solid var(--warn-line);
  border-radius: 10px; padding: 18px 26px 14px; margin-bottom: 24px; }
section.skipped-cases h2 { font-size: 17px; }
section.skipped-cases p { margin: 6px 0 10px; font-size: 14px; }

.table-wrap { overflow-x: auto; }
table.data { width: 100%; border-collapse: collapse; font-size: 14px;
             font-variant-numeric: tabular-nums; }
table.data th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12.5px;
                padding: 7px 10px; border-bottom: 2px solid var(--line); white-space: nowrap; }
table.data td { padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.data tbody tr:nth-child(even) td { background: var(--stripe); }
table.data tbody tr:last-child td { border-bottom: none; }
table.data .num { text-align: right; white-space: nowrap; }
table.data .value { white-space: nowrap; }
table.data .tol { white-space: nowrap; }
table.data .badge-cell { text-align: center; width: 1%; }
table.data .source, table.data .desc { color: var(--muted); font-size: 13px; }
table.data td.name { font-weight: 500; }
table.overview td { vertical-align: middle; }
table.overview td.name a { font-weight: 600; }
table.overview .sub { display: block; color: var(--faint); font-size: 12.5px; font-weight: 400; }
.count-good { color: var(--good); font-weight: 600; }
.count-bad { color: var(--bad); font-weight: 700; }
.unit { color: var(--muted); }
.pm, .interval { color: var(--text); }
.kind { color: var(--faint); font-size: 11.5px; text-transform: uppercase;
        letter-spacing: 0.04em; }
.nonfinite { color: var(--bad); font-family: var(--mono); font-weight: 600; }
sup { font-size: 0.72em; line-height: 0; }

figure { margin: 0; min-width: 0; }
figure img { display: block; margin: 0 auto; width: auto; height: auto; max-width: 100%;
             border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figure.headline { margin: 18px 0 6px; }
figure.headline img { max-height: 640px; }
figcaption { color: var(--muted); font-size: 13px; line-height: 1.4; margin: 7px auto 0;
             max-width: 90ch; text-align: center; }
.fig-label { color: var(--text); font-weight: 600; }
.fig-file { color: var(--faint); font-family: var(--mono); font-size: 11.5px;
            white-space: nowrap; margin-left: 4px; }
.figures { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 26px 28px;
           align-items: start; margin: 22px 0 8px; }
figure.secondary.wide { grid-column: 1 / -1; }
figure a:hover img { border-color: var(--accent); }

dl.run { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
         gap: 10px 20px; margin: 0; font-variant-numeric: tabular-nums; }
dl.run dt { color: var(--faint); font-size: 12px; }
dl.run dd { margin: 0; font-size: 14px; }
details.parameters { margin-top: 16px; border: 1px solid var(--line); border-radius: 8px;
                     padding: 0 12px; }
details.parameters summary { cursor: pointer; padding: 9px 0; font-weight: 600;
                             color: var(--muted); font-size: 14px; }
details.parameters[open] { padding-bottom: 8px; }

footer { color: var(--faint); font-size: 12.5px; padding: 4px 24px 40px; }

@media (max-width: 640px) {
  .wrap { padding: 0 12px; }
  section.overview, section.case { padding: 16px 14px; }
  .figures { grid-template-columns: minmax(0, 1fr); }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  .page-header { border: none; padding: 0 0 12px; margin-bottom: 12px; }
  section.overview, section.case, section.skipped-cases { border: none; box-shadow: none;
                                   padding: 0; margin-bottom: 18px; }
  section.case { break-before: page; }
  .back { display: none; }
  a { color: inherit; }
  table.data tr, figure { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  .badge, .status, table.data tbody tr:nth-child(even) td {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""".strip()
