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

The style sheet is in :mod:`~scaleweave.report.style`, the number formatting in
:mod:`~scaleweave.report.format` and the reading of summaries in
:mod:`~scaleweave.report.summary`; what is left, the page and its sections, is one
module because each section builder is a few lines and they share the table helpers.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from scaleweave.report.format import (
    _DASH,
    _commit_html,
    _created_html,
    _deviation_html,
    _duration,
    _e,
    _num,
    _tolerance_html,
    _value_html,
    format_number,
)
from scaleweave.report.style import _CSS
from scaleweave.report.summary import REQUIRED_KEYS as REQUIRED_KEYS
from scaleweave.report.summary import _Case, _load_case

__all__ = ["build_report", "format_number"]


# --------------------------------------------------------------------------- figures


def _png_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a PNG from its header, or None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
    except OSError:
        return None
    if len(head) == 24 and head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return int(width), int(height)
    return None


# --------------------------------------------------------------------------- HTML


def _href(folder: str, relative: str) -> str:
    parts = [quote(folder), *(quote(p) for p in PurePosixPath(relative).parts)]
    return _e("/".join(parts))


def _badge(kind: str, label: str) -> str:
    return f'<span class="badge {kind}">{_e(label)}</span>'


def _count_cell(good: int, total: int) -> str:
    if total == 0:
        return f'<span class="muted">{_DASH}</span>'
    cls = "count-good" if good == total else "count-bad"
    return f'<span class="{cls}">{good}/{total}</span>'


def _table(headers: list[tuple[str, str]], rows: list[list[str]], cls: str = "data") -> str:
    """A table; ``headers`` are (label, css class) and cells are ready HTML."""
    head = "".join(f'<th class="{c}" scope="col">{h}</th>' for h, c in headers)
    body = "\n".join(
        "<tr>"
        + "".join(f'<td class="{c}">{cell}</td>' for (_, c), cell in zip(headers, row, strict=True))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table class="{cls}">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def _figures_html(case: _Case) -> str:
    assert case.summary is not None
    figures = [f for f in case.summary.get("figures") or [] if f]
    if not figures:
        return ""
    title = case.summary["title"]
    parts: list[str] = []
    thumbs: list[str] = []
    for i, fig in enumerate(figures):
        rel = PurePosixPath(fig.replace("\\", "/"))
        if rel.is_absolute() or ".." in rel.parts:
            parts.append(f'<p class="note">figure {_e(fig)} skipped: outside the case folder</p>')
            continue
        file = case.path.joinpath(*rel.parts)
        if not file.is_file():
            parts.append(f'<p class="note">figure missing: {_e(fig)}</p>')
            continue
        href = _href(case.folder, rel.as_posix())
        size = _png_size(file)
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        alt = _e(f"{title}: {rel.name}")
        caption = _e(rel.name)
        if i == 0:
            parts.append(
                f'<figure class="headline"><a href="{href}" title="open full size">'
                f'<img src="{href}" alt="{alt}"{dims}></a>'
                f"<figcaption>{caption}</figcaption></figure>"
            )
        else:
            thumbs.append(
                f'<figure class="thumb"><a href="{href}" title="open full size">'
                f'<img src="{href}" alt="{alt}"{dims} loading="lazy"></a>'
                f"<figcaption>{caption}</figcaption></figure>"
            )
    if thumbs:
        parts.append('<div class="thumbs">' + "".join(thumbs) + "</div>")
    return "\n".join(parts)


def _outputs_html(outputs: Mapping[str, Any]) -> str:
    if not outputs:
        return '<p class="muted">No outputs.</p>'
    with_desc = any(
        isinstance(o.get("description"), str) and o["description"] for o in outputs.values()
    )
    headers = [("Output", "name"), ("Value", "value")]
    if with_desc:
        headers.append(("Description", "desc"))
    rows = []
    for name, o in outputs.items():
        row = [
            f"<code>{_e(name)}</code>",
            _value_html(o["value"], o.get("unit"), o.get("lo"), o.get("hi"), o.get("kind")),
        ]
        if with_desc:
            row.append(_e(o.get("description") or ""))
        rows.append(row)
    return _table(headers, rows, "data outputs")


def _references_html(references: list[dict[str, Any]]) -> str:
    if not references:
        return '<p class="muted">No reference checks.</p>'
    headers = [
        ("Check", "name"),
        ("Ours", "num"),
        ("Expected", "num"),
        ("Tolerance", "tol"),
        ("Deviation", "num"),
        ("Result", "badge-cell"),
        ("Source", "source"),
    ]
    rows = []
    for r in references:
        comparison = str(r.get("comparison") or "rel")
        rows.append(
            [
                _e(r["name"]),
                _num(r["value"]),
                _num(r["expected"]),
                _tolerance_html(comparison, r["tolerance"]),
                _deviation_html(comparison, r["value"], r["expected"]),
                _badge("good", "PASS") if r["passed"] else _badge("bad", "FAIL"),
                _e(r.get("source") or ""),
            ]
        )
    return _table(headers, rows, "data references")


def _skipped_html(skipped: Any) -> str:
    """References that did not apply to the chosen inputs, with the reason (not failures)."""
    if not isinstance(skipped, list) or not skipped:
        return ""
    items = "".join(f"<li>{_e(r.get('name', '?'))}: {_e(r.get('reason', ''))}</li>"
                    for r in skipped if isinstance(r, dict))
    return (f'<p class="muted">Not applicable to these inputs (skipped, not failed):</p>'
            f'<ul class="skipped">{items}</ul>')


def _validity_html(validity: list[dict[str, Any]]) -> str:
    if not validity:
        return '<p class="muted">No validity diagnostics.</p>'
    headers = [
        ("Bridge", "name"),
        ("Diagnostic", "diag"),
        ("Value", "num"),
        ("Limit", "num"),
        ("Status", "badge-cell"),
    ]
    rows = [
        [
            _e(d["bridge"]),
            _e(d["diagnostic"]),
            _num(d["value"]),
            _num(d["limit"]),
            (_badge("good", "OK") if d["ok"] else
             _badge("neutral", "COUNTER-EXAMPLE") if d.get("counterexample") else
             _badge("bad", "OUTSIDE")),
        ]
        for d in validity
    ]
    return _table(headers, rows, "data validity")


def _run_html(s: Mapping[str, Any]) -> str:
    seed = s.get("seed")
    items = [
        ("Runtime", _duration(s.get("runtime_s"))),
        ("Seed", _e(seed) if seed is not None else _DASH),
        ("Version", _e(s.get("version") or _DASH)),
        ("Commit", _commit_html(s.get("commit"))),
        ("Created", _created_html(s.get("created"))),
    ]
    body = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in items)
    return f'<dl class="run">{body}</dl>'


def _parameters_html(parameters: Mapping[str, Any]) -> str:
    if not parameters:
        return ""
    rows = [
        [f"<code>{_e(name)}</code>", _num(p["value"]), _e(p.get("unit") or "")]
        for name, p in parameters.items()
    ]
    table = _table(
        [("Parameter", "name"), ("Value", "num"), ("Unit", "unit-col")], rows, "data parameters"
    )
    return (
        f'<details class="parameters"><summary>Parameters ({len(parameters)})</summary>'
        f"{table}</details>"
    )


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
    nref, nval = len(case.references), len(case.validity)
    facts = [f"<code>{_e(case.folder)}</code>"]
    if nref:
        facts.append(f"{case.n_passed}/{nref} reference checks passed")
    if nval:
        facts.append(f"{case.n_ok}/{nval} validity diagnostics within limits")
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
        _references_html(case.references),
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
                _count_cell(c.n_ok, len(c.validity)),
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
    n_outside = sum(len(c.validity) - c.n_ok for c in cases)
    n_unreadable = sum(1 for c in cases if c.summary is None)
    status = (
        f"{n_pass} of {n_ref} reference checks passed, "
        f"{n_outside} validity diagnostics outside their limits"
    )
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

