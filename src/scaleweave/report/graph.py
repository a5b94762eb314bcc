"""A case's study graphs, drawn (for the report) and written out (for ``scaleweave show``).

Both read the plain data of :meth:`scaleweave.core.study.Study.describe`, keyed by
study label, which a run records in ``result.nc`` (attribute ``study_graph``), so
the report can draw the graph of any results folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["format_study_graphs", "study_graph_figure"]


def _graphs(data: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if not data:
        return {}
    graphs = json.loads(data) if isinstance(data, str) else dict(data)
    return {k: v for k, v in graphs.items() if v.get("models")}


def _levels(graph: Mapping[str, Any]) -> dict[str, int]:
    """Each model's column: the length of the longest chain of links feeding it (for a
    concurrent coupling, whose exchanges go both ways: slowest first, one per column)."""
    if graph.get("concurrent"):
        return {m: i for i, m in enumerate(graph["models"])}
    level = {m: 0 for m in graph["models"]}
    edges = [(s.partition(".")[0], t.partition(".")[0]) for s, t in graph["links"]]
    for _ in range(len(level)):  # models come in run order; this settles in one pass
        for src, dst in edges:
            if src in level and dst in level:
                level[dst] = max(level[dst], level[src] + 1)
    return level


def study_graph_figure(data: str | Mapping[str, Any] | None) -> Figure | None:
    """One panel per study: models as boxes in run order, links as labelled arrows.

    Each box names the model instance and its identity; the case parameters bound
    to it are listed under it. Returns None when no study has a model.
    """
    graphs = _graphs(data)
    if not graphs:
        return None
    sizes = []
    for g in graphs.values():
        lv = _levels(g)
        width = max(lv.values()) + 1
        height = max(list(lv.values()).count(k) for k in set(lv.values()))
        sizes.append((width, height))
    fig = Figure(figsize=(max(6.0, 2.9 * max(w for w, _ in sizes)),
                          sum(1.4 + 1.25 * h for _, h in sizes)), layout="constrained")
    axes = fig.subplots(len(graphs), 1, squeeze=False,
                        height_ratios=[1.4 + 1.25 * h for _, h in sizes])[:, 0]
    for ax, (label, g), (width, height) in zip(axes, graphs.items(), sizes, strict=True):
        lv = _levels(g)
        pos: dict[str, tuple[float, float]] = {}
        rows: dict[int, int] = {}
        for m in g["models"]:
            r = rows.get(lv[m], 0)
            rows[lv[m]] = r + 1
            pos[m] = (lv[m] * 3.0, -r * 1.6)
        bound: dict[str, list[str]] = {}
        for pname, targets in g["parameters"].items():
            for t in targets:
                bound.setdefault(t.partition(".")[0], []).append(pname)
        for m, (x, y) in pos.items():
            ax.add_patch(FancyBboxPatch((x - 1.1, y - 0.35), 2.2, 0.7,
                                        boxstyle="round,pad=0.05", fc="#e8f0fa", ec="#1f4e79"))
            ax.text(x, y + 0.1, m, ha="center", va="center", fontsize=9, weight="bold")
            ax.text(x, y - 0.17, g["models"][m]["identity"], ha="center", va="center",
                    fontsize=6.5, color="0.3")
            if bound.get(m):
                ax.text(x, y - 0.55, ", ".join(sorted(bound[m])), ha="center", va="top",
                        fontsize=6.5, color="#7f3b08", wrap=True)
        units = {(m, p): u for m, d in g["models"].items() for p, u in d["outputs"]}
        for src, dst in g["links"]:
            sm, sp = src.split(".", 1)
            dm, _ = dst.split(".", 1)
            if sm not in pos or dm not in pos:
                continue
            (x0, y0), (x1, y1) = pos[sm], pos[dm]
            back = x1 < x0  # a concurrent exchange running against the column order
            start = (x0 - 1.15, y0 - 0.15) if back else (x0 + 1.15, y0)
            end = (x1 + 1.15, y1 - 0.15) if back else (x1 - 1.15, y1)
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                         color="0.35", connectionstyle="arc3,rad=0.08"))
            unit = units.get((sm, sp), "")
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + (-0.5 if back else 0.12),
                    f"{sp} [{unit}]" if unit else sp, ha="center", va="bottom", fontsize=6.5)
        ax.set_xlim(-1.4, max(width - 1, 1) * 3.0 + 1.4)
        ax.set_ylim(-(height - 1) * 1.6 - 0.9, 0.6)
        ax.set_aspect("equal")
        ax.set_axis_off()
        kind = "concurrent coupling" if g.get("concurrent") else "study"
        ax.set_title(f"{kind} '{label}'", fontsize=9, loc="left")
    return fig


def format_study_graphs(data: str | Mapping[str, Any] | None) -> list[str]:
    """The graphs as text lines: each model with its ports and units, then the links."""
    lines: list[str] = []
    for label, g in _graphs(data).items():
        kind = "concurrent coupling" if g.get("concurrent") else "study"
        lines.append(f"{kind} {label!r}:")
        for m, d in g["models"].items():
            ins = ", ".join(f"{p} [{u or '1'}]" for p, u in d["inputs"]) or "-"
            outs = ", ".join(f"{p} [{u or '1'}]" for p, u in d["outputs"]) or "-"
            lines.append(f"  {m} ({d['identity']})")
            lines.append(f"    in:  {ins}")
            lines.append(f"    out: {outs}")
            if d["diagnostics"]:
                lines.append(f"    validity: {', '.join(d['diagnostics'])}")
        for src, dst in g["links"]:
            lines.append(f"  {src} -> {dst}")
        for pname, targets in g["parameters"].items():
            lines.append(f"  parameter {pname} -> {', '.join(targets)}")
        for target, value in g["inputs"].items():
            lines.append(f"  {target} = {value}")
    return lines
