"""``scaleweave show CASE``: what a case takes, before running it.

Prints the case's title and summary, what it needs installed, which parameter
``--samples`` sets, a table of its parameters (name, unit, default, quick value,
range, distribution, the ports it binds and the scale it belongs to), its study
graph at the default parameters (models with their ports and units, links, bound
parameters) and its references with their sources. Nothing is run.
"""

from __future__ import annotations

from typing import Any

__all__ = ["describe_case"]


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def describe_case(case_cls: Any) -> str:
    """The text ``scaleweave show`` prints for ``case_cls`` (no model is run).

    Examples
    --------
    >>> from scaleweave.cases import load_case
    >>> print(describe_case(load_case("multirate")).splitlines()[0])
    multirate: Multi-rate time stepping: a chain with a stiff block
    """
    from scaleweave.core.distributions import looks_like_distribution
    from scaleweave.core.units import format_unit

    lines = [f"{case_cls.name}: {case_cls.title}", f"  {case_cls.summary}", ""]
    if case_cls.requires:
        needs = ", ".join(f"{module} (pip install 'scaleweave[{extra}]')"
                          for module, extra in case_cls.requires)
        lines.append(f"requires: {needs}")
    lines.append(f"--samples sets: {case_cls.samples_parameter or '(no ensemble size)'}")
    lines.append("")
    header = ("name", "unit", "default", "quick", "range", "distribution", "binds", "scale")
    rows = []
    for p in case_cls.parameters:
        default = p.default
        dist = "-"
        if looks_like_distribution(default):
            dist, default = str(default), "(distribution)"
        elif p.uncertain:
            dist = "may be given one"
        quick = case_cls.quick.get(p.name)
        rng = ("one of " + ", ".join(p.choices)) if p.choices else p.range_text()
        rows.append((p.name, format_unit(p.unit) or "-", _cell(default), _cell(quick), rng,
                     dist, ", ".join(p.binds) or "-", p.scale or "-"))
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    lines.append("parameters:")
    lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    lines.append("")
    lines.append("descriptions:")
    for p in case_cls.parameters:
        lines.append(f"  {p.name}: {p.description}")
    lines += ["", *_graph_and_references(case_cls)]
    return "\n".join(line.rstrip() for line in lines)


def _graph_and_references(case_cls: Any) -> list[str]:
    """The study graph and the references at the default parameters."""
    import json

    from scaleweave.cases.context import RunContext
    from scaleweave.core.checks import SkippedReference
    from scaleweave.core.parameters import resolve_parameters
    from scaleweave.report.graph import format_study_graphs

    params = resolve_parameters(case_cls.parameters)
    case = case_cls()
    studies = case.studies(params, RunContext())
    graph = format_study_graphs(json.dumps({k: s.describe() for k, s in studies.items()}))
    lines = ["study graph (default parameters):", *(f"  {x}" for x in graph or ["(none)"]), ""]
    lines.append("references (default parameters):")
    refs = case.references(params)
    for r in refs:
        if isinstance(r, SkippedReference):
            lines.append(f"  {r.name}: skipped ({r.reason})")
        else:
            tol = (f"{r.sigmas:g} Monte Carlo standard errors, at least {r.tolerance:g}"
                   if r.sigmas is not None else f"{r.comparison} {r.tolerance:g}")
            lines.append(f"  {r.name}: {r.output} vs {r.expected:.6g} ({tol}); {r.source}")
    if not refs:
        lines.append("  (none)")
    return lines
