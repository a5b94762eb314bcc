"""The tables of a case's section in the report: outputs, references, validity, run.

Each builder takes the plain data of ``summary.json`` and returns ready HTML; every
piece of text is escaped. Numbers and units are typeset by
:mod:`~scaleweave.report.format`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scaleweave.report.format import (
    _DASH,
    _commit_html,
    _created_html,
    _deviation_html,
    _duration,
    _e,
    _num,
    _tolerance_html,
    _unit_html,
    _value_html,
    _with_unit,
)
from scaleweave.report.summary import _Case

__all__: list[str] = []


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


def _references_html(case: _Case) -> str:
    """Each check with its values in their unit, tolerance, deviation, result, source."""
    references = case.references
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
        unit = case.reference_unit(r)
        rows.append(
            [
                _e(r["name"]),
                _with_unit(_num(r["value"]), unit),
                _with_unit(_num(r["expected"]), unit),
                _tolerance_html(comparison, r["tolerance"], unit),
                _deviation_html(comparison, r["value"], r["expected"], unit),
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
            _validity_badge(d),
        ]
        for d in validity
    ]
    note = ""
    if any(not d["ok"] and d.get("counterexample") for d in validity):
        note = ('<p class="muted expected-note"><strong>Expected failure</strong>: a '
                "deliberate counter-example, a method run where it is known to fail to show "
                "the failure; it does not count against the case.</p>")
    return _table(headers, rows, "data validity") + note


def _validity_badge(d: Mapping[str, Any]) -> str:
    if d.get("counterexample"):
        # A counter-example that failed did what it was run for; one that did not is
        # reported as it is.
        return (_badge("expected", "EXPECTED FAIL") if not d["ok"] else
                _badge("good", "OK") + ' <span class="sub">counter-example</span>')
    return _badge("good", "OK") if d["ok"] else _badge("bad", "OUTSIDE")


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
        [f"<code>{_e(name)}</code>", _num(p["value"]), _unit_html(p.get("unit"))]
        for name, p in parameters.items()
    ]
    table = _table(
        [("Parameter", "name"), ("Value", "num"), ("Unit", "unit-col")], rows, "data parameters"
    )
    return (
        f'<details class="parameters"><summary>Parameters ({len(parameters)})</summary>'
        f"{table}</details>"
    )
