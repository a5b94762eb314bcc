"""A static, self-contained HTML report over a folder of case results.

:func:`build_report` reads every ``RESULTS/*/summary.json`` written by
``scaleweave run CASE --out RESULTS`` and writes one page, ``RESULTS/index.html``:
an overview table of all cases, then one section per case with its figures, outputs
(with error bars), reference checks, validity diagnostics and run information.

The page has inline CSS only: no scripts, no web fonts, no external URLs. Figures
are linked by relative paths (``CASE/figure.png``), so the folder can be moved,
zipped or served as a whole. A summary that cannot be read does not stop the
report; its case is shown as ``unreadable summary: <reason>``.

Every piece of text taken from a summary is HTML-escaped.

Units are typeset (``A*h`` as A·h, ``m^2/s`` as m²/s) and every reference value
carries its unit. Each figure has a numbered one-line caption from the figure's own
metadata. A deliberate counter-example outside its limit is an *expected failure*:
shown, never counted against its case or the page. Cases that ``run all`` skipped
for a missing extra (``skipped.json``) are listed with the command that installs it.

The style sheet is in :mod:`~scaleweave.report.style`, the number and unit
formatting in :mod:`~scaleweave.report.format`, the reading of summaries in
:mod:`~scaleweave.report.summary`, the figures in :mod:`~scaleweave.report.figures`,
the tables in :mod:`~scaleweave.report.tables` and the skipped cases in
:mod:`~scaleweave.report.skipped`; what is left is the page and its case sections.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from scaleweave.report.figures import _figures_html
from scaleweave.report.format import _DASH, _commit_html, _duration, _e, format_number
from scaleweave.report.skipped import _skipped_html as _skipped_cases_html
from scaleweave.report.style import _CSS
from scaleweave.report.summary import REQUIRED_KEYS as REQUIRED_KEYS
from scaleweave.report.summary import _Case, _load_case
from scaleweave.report.tables import (
    _badge,
    _count_cell,
    _outputs_html,
    _parameters_html,
    _references_html,
    _run_html,
    _skipped_html,
    _table,
    _validity_html,
)

__all__ = ["build_report", "format_number"]


def _case_html(case: _Case) -> str:
    kind, label = case.status
    cid = _e(case.folder)
    top = '<p class="back"><a href="#sw-top">↑ overview</a></p>'
    if case.summary is None:
        return (
            f'<section class="case unreadable" id="{cid}">\n'
            f'<div class="case-head"><h2>{_e(case.folder)}</h2>{_badge(kind, label)}</div>\n'
            f'<p class="error">unreadable summary: {_e(case.error)}</p>\n'
            f'<p class="muted">File: <code>{_e(case.folder)}/summary.json</code></p>\n{top}\n'
            "</section>"
        )
    s = case.summary
    nref = len(case.references)
    facts = [f"<code>{_e(case.folder)}</code>"]
    if nref:
        facts.append(f"{case.n_passed}/{nref} reference checks passed")
    if case.n_counted:
        facts.append(f"{case.n_ok}/{case.n_counted} validity diagnostics within limits")
    if case.expected_failures:
        n = len(case.expected_failures)
        facts.append(f"{n} expected failure{'s' if n != 1 else ''} (deliberate "
                     f"counter-example{'s' if n != 1 else ''})")
    desc = s.get("description")
    parts = [
        f'<section class="case" id="{cid}">',
        f'<div class="case-head"><h2><a class="anchor" href="#{_e(quote(case.folder))}">'
        f"{_e(s['title'])}</a></h2>{_badge(kind, label)}</div>",
        f'<p class="case-facts">{" · ".join(facts)}</p>',
        f'<p class="description">{_e(desc)}</p>' if isinstance(desc, str) and desc else "",
        _figures_html(case),
        "<h3>Outputs</h3>",
        _outputs_html(s["outputs"]),
        "<h3>Reference checks</h3>",
        _references_html(case),
        _skipped_html(s.get("skipped_references")),
        "<h3>Validity diagnostics</h3>",
        _validity_html(case.validity),
        "<h3>Run</h3>",
        _run_html(s),
        _parameters_html(s.get("parameters") or {}),
        top,
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


def _overview_html(cases: list[_Case]) -> str:
    headers = [
        ("Case", "name"),
        ("Status", "badge-cell"),
        ("References", "num"),
        ("Validity", "num"),
        ("Runtime", "num"),
    ]
    rows = []
    for c in cases:
        link = f'<a href="#{_e(quote(c.folder))}">'
        if c.summary is None:
            rows.append(
                [
                    f'{link}{_e(c.folder)}</a><span class="sub">unreadable summary: '
                    f"{_e(c.error)}</span>",
                    _badge(*c.status),
                    _DASH,
                    _DASH,
                    _DASH,
                ]
            )
            continue
        rows.append(
            [
                f'{link}{_e(c.summary["title"])}</a><span class="sub"><code>{_e(c.folder)}</code>'
                "</span>",
                _badge(*c.status),
                _count_cell(c.n_passed, len(c.references)),
                _count_cell(c.n_ok, c.n_counted) + (
                    f'<span class="sub">+{len(c.expected_failures)} expected</span>'
                    if c.expected_failures else ""),
                _duration(c.summary.get("runtime_s")),
            ]
        )
    return _table(headers, rows, "data overview")


def _versions_line(cases: list[_Case]) -> str:
    readable = [c.summary for c in cases if c.summary is not None]
    versions = sorted({str(s.get("version")) for s in readable if s.get("version")})
    commits = sorted({str(s.get("commit")) for s in readable if s.get("commit")})
    items = []
    if versions:
        label = "version" if len(versions) == 1 else "versions"
        items.append(f"{label} <strong>{_e(', '.join(versions))}</strong>")
    without = any(not s.get("commit") for s in readable)
    if commits:
        label = "commit" if len(commits) == 1 else "commits"
        items.append(f"{label} " + ", ".join(_commit_html(c) for c in commits))
    if without:
        items.append(_commit_html(None))
    return " · ".join(items)


def _report_version() -> str:
    try:
        from scaleweave._version import __version__
    except ImportError:  # pragma: no cover - the package always has it
        return "unknown"
    return __version__


def _page(folder: Path, cases: list[_Case]) -> str:
    n_ref = sum(len(c.references) for c in cases)
    n_pass = sum(c.n_passed for c in cases)
    n_outside = sum(c.n_counted - c.n_ok for c in cases)
    n_expected = sum(len(c.expected_failures) for c in cases)
    n_unreadable = sum(1 for c in cases if c.summary is None)
    status = (
        f"{n_pass} of {n_ref} reference checks passed, "
        f"{n_outside} validity diagnostics outside their limits"
    )
    if n_expected:
        status += (f" ({n_expected} expected failure{'s' if n_expected != 1 else ''} of "
                   "deliberate counter-examples not counted)")
    status_kind = "bad" if n_pass < n_ref or n_unreadable else ("warn" if n_outside else "good")
    unreadable = (
        f'<p class="status-note">{n_unreadable} case{"s" if n_unreadable != 1 else ""} '
        "with an unreadable summary</p>"
        if n_unreadable
        else ""
    )
    n = len(cases)
    version = _report_version()
    versions = _versions_line(cases)
    sections = "\n\n".join(_case_html(c) for c in cases)
    skipped = _skipped_cases_html(folder, {c.folder for c in cases})
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="scaleweave {_e(version)}">
<title>scaleweave report · {n} case{"s" if n != 1 else ""}</title>
<style>
{_CSS}
</style>
</head>
<body>
<header class="page-header" id="sw-top">
<div class="wrap">
<h1>scaleweave report</h1>
<p class="folder">Results folder <code>{_e(folder)}</code></p>
<p class="status {status_kind}" id="sw-status">{_e(status)}</p>
{unreadable}
<p class="meta"><strong>{n}</strong> case{"s" if n != 1 else ""}{
        " · " + versions if versions else ""
    }</p>
</div>
</header>
<main class="wrap">
<section class="overview" id="sw-overview">
<h2>Overview</h2>
{_overview_html(cases)}
</section>
{skipped}
{sections}
</main>
<footer class="wrap">Written by scaleweave {_e(version)} · a static page: no scripts, no
external resources; figures are the PNG files next to this page.</footer>
</body>
</html>
"""


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def build_report(results_dir: str | os.PathLike[str]) -> Path:
    """Write ``results_dir/index.html``, one static page over every case found.

    Cases are the sub-folders of ``results_dir`` with a ``summary.json``, sorted by
    folder (case) name. The page is written to a temporary file next to it and
    moved into place, so a reader never sees half a page.

    Parameters
    ----------
    results_dir : str or os.PathLike
        The folder given as ``--out`` to ``scaleweave run``.

    Returns
    -------
    pathlib.Path
        The path of the written ``index.html``.

    Raises
    ------
    ConfigError
        When ``results_dir`` holds no ``*/summary.json``.
    """
    try:
        from scaleweave.errors import ConfigError
    except ImportError:  # pragma: no cover - errors module is part of the package
        ConfigError = ValueError

    folder = Path(results_dir)
    summaries = (
        sorted(folder.glob("*/summary.json"), key=lambda p: p.parent.name)
        if (folder.is_dir())
        else []
    )
    if not summaries:
        raise ConfigError(
            f"no case results (*/summary.json) in {str(folder)!r}: "
            "run `scaleweave run CASE --out DIR` first"
        )
    cases = [_load_case(p) for p in summaries]
    out = folder / "index.html"
    _write_atomic(out, _page(folder.resolve(), cases))
    return out

