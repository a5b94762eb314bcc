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
"""

from __future__ import annotations

import html
import json
import math
import os
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

__all__ = ["build_report", "format_number"]

#: Keys every summary must have (with these JSON types) for its case to be shown.
REQUIRED_KEYS: dict[str, type | tuple[type, ...]] = {
    "case": str,
    "title": str,
    "outputs": dict,
    "references": list,
    "validity": list,
}
_REFERENCE_KEYS = ("name", "value", "expected", "tolerance", "passed")
_VALIDITY_KEYS = ("bridge", "diagnostic", "value", "limit", "ok")
_COMPARISONS = ("rel", "abs", "le", "ge")
_DASH = "—"


# --------------------------------------------------------------------------- numbers


def format_number(x: Any, sig: int = 4) -> str:
    """Format a number as plain text with ``sig`` significant digits.

    Values from 0.001 to below 100000 are written in fixed notation, others in
    scientific notation (``1.5e-7``); trailing zeros are dropped. NaN and infinity
    become ``nan``, ``inf`` and ``-inf``; ``None`` becomes an em dash. Strings are
    returned unchanged and integers below 100000 exactly.

    Parameters
    ----------
    x : float, int, str or None
        The value.
    sig : int
        Significant digits (at least 1).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(3.14159265)
    '3.142'
    >>> format_number(1.5e-7)
    '1.5e-7'
    >>> format_number(6.02214076e23)
    '6.022e23'
    >>> format_number(float("nan")), format_number(float("-inf"))
    ('nan', '-inf')
    """
    sig = max(int(sig), 1)
    if x is None:
        return _DASH
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int) and abs(x) < 100_000:
        return str(x)
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return str(x)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0.0:
        return "0"
    exponent = math.floor(math.log10(abs(v)))
    if -3 <= exponent < 5:
        text = f"{v:.{max(sig - 1 - exponent, 0)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mantissa, _, exp = f"{v:.{sig - 1}e}".partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exp)}"


def _is_nonfinite(x: Any) -> bool:
    if isinstance(x, bool | str) or x is None:
        return False
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError, OverflowError):
        return False


def _num(x: Any, sig: int = 4) -> str:
    """HTML for a number: scientific notation as ``m × 10<sup>e</sup>``."""
    text = format_number(x, sig)
    if _is_nonfinite(x):
        return f'<span class="nonfinite">{_e(text)}</span>'
    if isinstance(x, int | float) and not isinstance(x, bool) and "e" in text:
        mantissa, _, exp = text.partition("e")
        exp = exp.replace("-", "\u2212")
        full = _e(repr(float(x)))
        return (
            f'<span class="num" title="{full}">{_e(mantissa)}&#8201;×&#8201;10'
            f"<sup>{exp}</sup></span>"
        )
    return _e(text)


def _float_or_none(x: Any) -> float | None:
    if x is None or isinstance(x, bool | str):
        return None
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        return None


def _value_html(value: Any, unit: Any, lo: Any = None, hi: Any = None,
                kind: Any = None) -> str:
    """``value ± half-width unit`` for a symmetric bar, ``value [lo, hi] unit`` otherwise;
    bounds (an interval or a p-box's range, ``kind == "bounds"``) as ``[lo, hi] unit``."""
    unit_html = f' <span class="unit">{_e(unit)}</span>' if unit not in (None, "") else ""
    out = _num(value)
    if kind == "bounds" and lo is not None and hi is not None:
        bounds = (f'<span class="interval bounds" title="bounds, not a distribution">'
                  f'[{_num(lo)}, {_num(hi)}]</span>')
        v, fl, fh = _float_or_none(value), _float_or_none(lo), _float_or_none(hi)
        # A value that is not the bounds' midpoint is a result of its own (an FFT
        # modulus inside its Voigt-Reuss bounds): show it, then the bounds.
        if (v is not None and fl is not None and fh is not None
                and abs(v - 0.5 * (fl + fh)) > 1e-9 * max(abs(fl), abs(fh), 1e-300)):
            return f'{out} <span class="within">within</span> {bounds}{unit_html}'
        return bounds + unit_html
    v, fl, fh = _float_or_none(value), _float_or_none(lo), _float_or_none(hi)
    if lo is None and hi is None:
        return out + unit_html
    if (
        v is not None
        and fl is not None
        and fh is not None
        and all(math.isfinite(t) for t in (v, fl, fh))
    ):
        below, above = v - fl, fh - v
        scale = max(abs(below), abs(above), abs(v) * 1e-12, 1e-300)
        if below >= 0 and above >= 0 and abs(below - above) <= 1e-6 * scale:
            half = 0.5 * (below + above)
            return f'{out} <span class="pm">± {_num(half, 2)}</span>{unit_html}'
    lo_html = _num(lo) if lo is not None else "…"
    hi_html = _num(hi) if hi is not None else "…"
    return f'{out} <span class="interval">[{lo_html}, {hi_html}]</span>{unit_html}'


def _tolerance_html(comparison: str, tolerance: Any) -> str:
    tol = _float_or_none(tolerance)
    if comparison == "rel":
        pct = format_number(tol * 100.0, 3) if tol is not None else format_number(tolerance)
        return f'±{_e(pct)}&#8201;% <span class="kind">rel</span>'
    if comparison == "abs":
        return f'±{_num(tolerance)} <span class="kind">abs</span>'
    if comparison in ("le", "ge"):
        sign = "≤" if comparison == "le" else "≥"
        text = f"{sign} expected"
        if tol is not None and tol != 0.0:
            text += f" {'+' if comparison == 'le' else '−'} {_num(abs(tol))}"
        return text
    return f'{_num(tolerance)} <span class="kind">{_e(comparison)}</span>'


def _deviation_html(comparison: str, ours: Any, expected: Any) -> str:
    v, x = _float_or_none(ours), _float_or_none(expected)
    if v is None or x is None or not (math.isfinite(v) and math.isfinite(x)):
        return _DASH
    if comparison == "rel":
        if x == 0.0:
            return _DASH
        pct = (v - x) / abs(x) * 100.0
        return _signed(pct) + _num(abs(pct), 2) + "&#8201;%"
    d = v - x
    return _signed(d) + _num(abs(d), 3)


def _signed(x: float) -> str:
    return "+" if x > 0 else ("−" if x < 0 else "")


def _duration(seconds: Any) -> str:
    s = _float_or_none(seconds)
    if s is None:
        return _e(format_number(seconds)) if seconds is not None else _DASH
    if not math.isfinite(s):
        return _num(s)
    text = f"{format_number(s, 3)}&#8201;s"
    if s >= 120.0:
        minutes, rest = divmod(round(s), 60)
        hours, minutes = divmod(minutes, 60)
        long = f"{hours} h {minutes} min" if hours else f"{minutes} min {rest} s"
        text += f' <span class="muted">({long})</span>'
    return text


def _short_commit(commit: Any) -> str:
    if commit is None or commit == "":
        return "not a git checkout"
    return str(commit)[:10]


def _commit_html(commit: Any) -> str:
    if commit is None or commit == "":
        return '<span class="muted">not a git checkout</span>'
    return f'<code title="{_e(commit)}">{_e(_short_commit(commit))}</code>'


def _created_html(created: Any) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM:SS UTC``; other text unchanged."""
    if created is None or created == "":
        return _DASH
    try:
        when = datetime.fromisoformat(str(created))
    except ValueError:
        return _e(created)
    text = f"{when:%Y-%m-%d %H:%M:%S}"
    offset = when.utcoffset()
    if offset is not None:
        text += " UTC" if offset.total_seconds() == 0 else f" UTC{when:%z}"
    return f'<time datetime="{_e(created)}">{_e(text)}</time>'


# --------------------------------------------------------------------------- reading


@dataclass
class _Case:
    """One case folder: its summary, or why the summary could not be read."""

    folder: str
    path: Path
    summary: dict[str, Any] | None = None
    error: str | None = None

    @property
    def references(self) -> list[dict[str, Any]]:
        return self.summary["references"] if self.summary else []

    @property
    def validity(self) -> list[dict[str, Any]]:
        return self.summary["validity"] if self.summary else []

    @property
    def n_passed(self) -> int:
        return sum(1 for r in self.references if r["passed"])

    @property
    def n_ok(self) -> int:
        return sum(1 for d in self.validity if d["ok"])

    @property
    def status(self) -> tuple[str, str]:
        """(css class, label) of the case's badge."""
        if self.summary is None:
            return "bad", "UNREADABLE"
        if self.n_passed < len(self.references):
            return "bad", "FAIL"
        if self.n_ok < len(self.validity):
            return "warn", "OUTSIDE"
        if not self.references and not self.validity:
            return "neutral", "NO CHECKS"
        return "good", "PASS"


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string"}
    return names.get(t, str(t)) if isinstance(t, type) else " or ".join(map(_type_name, t))


def _check_summary(data: Any) -> str | None:
    """Return why ``data`` is not a usable summary, or None when it is."""
    if not isinstance(data, dict):
        return f"top level is {type(data).__name__}, expected an object"
    for key, kind in REQUIRED_KEYS.items():
        if key not in data:
            return f"missing key {key!r}"
        if not isinstance(data[key], kind):
            return f"{key!r} must be {_type_name(kind)}, got {type(data[key]).__name__}"
    for key, kind in (("parameters", dict), ("figures", list)):
        if data.get(key) is not None and not isinstance(data[key], kind):
            return f"{key!r} must be {_type_name(kind)}, got {type(data[key]).__name__}"
    for name, entry in data["outputs"].items():
        if not isinstance(entry, dict) or "value" not in entry:
            return f"output {name!r} must be an object with a 'value'"
    for name, entry in (data.get("parameters") or {}).items():
        if not isinstance(entry, dict) or "value" not in entry:
            return f"parameter {name!r} must be an object with a 'value'"
    for list_key, keys, flag in (
        ("references", _REFERENCE_KEYS, "passed"),
        ("validity", _VALIDITY_KEYS, "ok"),
    ):
        for i, entry in enumerate(data[list_key]):
            if not isinstance(entry, dict):
                return f"{list_key}[{i}] must be an object"
            missing = [k for k in keys if k not in entry]
            if missing:
                return f"{list_key}[{i}] lacks {', '.join(map(repr, missing))}"
            if not isinstance(entry[flag], bool):
                return f"{list_key}[{i}].{flag} must be true or false"
    for i, fig in enumerate(data.get("figures") or []):
        if not isinstance(fig, str):
            return f"figures[{i}] must be a file name"
    return None


def _load_case(summary_path: Path) -> _Case:
    folder = summary_path.parent
    case = _Case(folder=folder.name, path=folder)
    try:
        data = json.loads(summary_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        case.error = f"not valid JSON ({exc})"
        return case
    except (OSError, UnicodeDecodeError) as exc:
        case.error = f"cannot read {summary_path.name} ({exc})"
        return case
    problem = _check_summary(data)
    if problem is not None:
        case.error = problem
    else:
        case.summary = data
    return case


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


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


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
            _badge("good", "OK") if d["ok"] else _badge("bad", "OUTSIDE"),
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

figure { margin: 0; }
figure.headline { margin: 18px 0 6px; text-align: center; }
figure.headline img { display: block; margin: 0 auto; width: auto; height: auto;
                      max-width: min(100%, 900px); max-height: 620px;
                      border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { color: var(--faint); font-size: 12px; margin-top: 5px; font-family: var(--mono); }
.thumbs { display: flex; flex-wrap: wrap; gap: 14px; justify-content: center; margin: 10px 0 4px; }
figure.thumb { width: 220px; text-align: center; }
figure.thumb img { display: block; margin: 0 auto; width: auto; height: auto;
                   max-width: 100%; max-height: 180px; border: 1px solid var(--line);
                   border-radius: 5px; background: #fff; }
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
  figure.thumb { width: 45%; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  .page-header { border: none; padding: 0 0 12px; margin-bottom: 12px; }
  section.overview, section.case { border: none; box-shadow: none; padding: 0;
                                   margin-bottom: 18px; }
  section.case { break-before: page; }
  .back { display: none; }
  a { color: inherit; }
  table.data tr, figure { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  .badge, .status, table.data tbody tr:nth-child(even) td {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""".strip()
