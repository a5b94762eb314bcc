"""A case's study graphs, drawn (for the report) and written out (for ``scaleweave show``).

Both read the plain data of :meth:`scaleweave.core.study.Study.describe`, keyed by
study label, which a run records in ``result.nc`` (attribute ``study_graph``), so
the report can draw the graph of any results folder.

A study is drawn top to bottom in run order: each model a box (instance, identity
and, where the model declares one, its length scale), the links between two models
one arrow labelled with every quantity it passes and its unit, the case parameters
bound to a model beside its box. A concurrent coupling, whose exchanges go both
ways, is drawn in one row, with one arrow each way. Sizes are in inches, one data
unit an inch, so every panel has the same scale and the text its nominal size.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from scaleweave.report.format import format_number, format_unit_text

__all__ = ["format_length", "format_study_graphs", "study_graph_figure"]

_SMALL = 7.0  # pt: identity, scale, parameters and link labels
_LINE = 0.15  # in: one line of small text
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}
_PREFIXES = ((1e3, "km"), (1.0, "m"), (1e-2, "cm"), (1e-3, "mm"), (1e-6, "µm"),
             (1e-9, "nm"), (1e-12, "pm"), (1e-15, "fm"))


def _graphs(data: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if not data:
        return {}
    graphs = json.loads(data) if isinstance(data, str) else dict(data)
    return {k: v for k, v in graphs.items() if v.get("models")}


def _levels(graph: Mapping[str, Any]) -> dict[str, int]:
    """Each model's row: the length of the longest chain of links feeding it."""
    level = {m: 0 for m in graph["models"]}
    edges = [(s.partition(".")[0], t.partition(".")[0]) for s, t in graph["links"]]
    for _ in range(len(level)):  # models come in run order; this settles in one pass
        for src, dst in edges:
            if src in level and dst in level:
                level[dst] = max(level[dst], level[src] + 1)
    return level


def format_length(metres: float | None) -> str:
    """A length scale as ``ℓ ≈ 300 pm`` (an SI prefix, three digits); ``""`` if unknown.

    Examples
    --------
    >>> format_length(3e-10), format_length(0.01), format_length(4e-4), format_length(None)
    ('ℓ ≈ 300 pm', 'ℓ ≈ 1 cm', 'ℓ ≈ 400 µm', '')
    """
    if metres is None or not metres > 0:
        return ""
    factor, prefix = next(((f, p) for f, p in _PREFIXES if metres >= f * 0.9995),
                          _PREFIXES[-1])
    return f"ℓ ≈ {format_number(metres / factor, 3)} {prefix}"


def _width(text: str, size: float = _SMALL) -> float:
    """Rough width (in) of a line of text at ``size`` points."""
    return len(text) * size * 0.6 / 72.0


def _port_label(port: str, unit: str) -> str:
    unit = format_unit_text(unit) if unit else ""
    return f"{port} [{unit}]" if unit else port


class _Layout:
    """Positions of one study's boxes, and the link groups between them."""

    def __init__(self, g: Mapping[str, Any]) -> None:
        self.g = g
        self.concurrent = bool(g.get("concurrent"))
        lv = {m: 0 for m in g["models"]} if self.concurrent else _levels(g)
        units = {(m, p): u for m, d in g["models"].items() for p, u in d["outputs"]}
        self.groups: dict[tuple[str, str], list[str]] = {}
        for src, dst in g["links"]:
            sm, sp = src.split(".", 1)
            dm = dst.partition(".")[0]
            if sm in g["models"] and dm in g["models"]:
                self.groups.setdefault((sm, dm), []).append(
                    _port_label(sp, units.get((sm, sp), "")))
        self.bound: dict[str, list[str]] = {}
        for pname, targets in g["parameters"].items():
            for t in targets:
                model = t.partition(".")[0]
                if pname not in self.bound.setdefault(model, []):
                    self.bound[model].append(pname)
        self.params = {m: textwrap.wrap(", ".join(sorted(p)), 34) for m, p in self.bound.items()}
        self.box_w = max([2.0] + [_width(m, 9.0) * 1.1 + 0.3 for m in g["models"]]
                         + [_width(d["identity"]) + 0.3 for d in g["models"].values()])
        self.box_h = 0.8
        labels = [w for texts in self.groups.values() for w in map(_width, texts)]
        side = max([0.0] + labels + [_width(t) for ls in self.params.values() for t in ls])
        lines = max([1] + [len(t) for t in self.groups.values()])
        if self.concurrent:
            self.px = self.box_w + max(0.9, max([0.0, *labels]) + 0.3)
            self.py = 0.0
        else:
            self.px = self.box_w + side + 0.5
            self.py = self.box_h + max(0.6, lines * _LINE + 0.3)
        cols: dict[int, int] = {}
        self.pos: dict[str, tuple[float, float]] = {}
        for m in g["models"]:
            c = cols.get(lv[m], 0)
            cols[lv[m]] = c + 1
            self.pos[m] = (c * self.px, -lv[m] * self.py)
        self.ncols = max(cols.values())
        self.nrows = max(lv.values()) + 1
        below = max([0] + [len(ls) for ls in self.params.values()]) * _LINE
        label_room = lines * _LINE + 0.25 if self.concurrent else 0.0
        self.xlim = (-self.box_w / 2 - 0.15,
                     (self.ncols - 1) * self.px + self.box_w / 2
                     + (0.15 if self.concurrent else side + 0.3))
        self.ylim = (-(self.nrows - 1) * self.py - self.box_h / 2 - 0.15 - label_room
                     - (below + 0.1 if self.concurrent else 0.0),
                     self.box_h / 2 + 0.1 + label_room)

    @property
    def size(self) -> tuple[float, float]:
        return self.xlim[1] - self.xlim[0], self.ylim[1] - self.ylim[0]


def _draw(ax: Any, lay: _Layout) -> None:
    g, w, h = lay.g, lay.box_w, lay.box_h
    for m, (x, y) in lay.pos.items():
        d = g["models"][m]
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                    fc="#e8f0fa", ec="#1f4e79", lw=0.9))
        scale = format_length(d.get("scale_m"))
        top = y + (0.2 if scale else 0.12)
        ax.text(x, top, m, ha="center", va="center", fontsize=9, weight="bold")
        ax.text(x, top - 0.22, d["identity"], ha="center", va="center", fontsize=_SMALL,
                color="0.3")
        if scale:
            ax.text(x, top - 0.42, scale, ha="center", va="center", fontsize=_SMALL,
                    color="#1f4e79")
        if lay.params.get(m):
            if lay.concurrent:
                ax.text(x, y - h / 2 - 0.08, "\n".join(lay.params[m]), ha="center", va="top",
                        fontsize=_SMALL, color="#7f3b08", linespacing=1.2)
            else:
                ax.text(x + w / 2 + 0.12, y, "\n".join(lay.params[m]), ha="left",
                        va="center", fontsize=_SMALL, color="#7f3b08", linespacing=1.2)
    for (sm, dm), texts in lay.groups.items():
        (x0, y0), (x1, y1) = lay.pos[sm], lay.pos[dm]
        label = "\n".join(texts)
        if lay.concurrent:
            forward = x1 > x0
            dy = 0.14 if forward else -0.14
            skip = abs(x1 - x0) > lay.px * 1.5  # passes a box: bend around it
            rad = -0.25 if skip else 0.0  # both ways bend outwards
            sx = x0 + (w / 2 if forward else -w / 2)
            ex = x1 - (w / 2 if forward else -w / 2)
            ax.add_patch(FancyArrowPatch((sx, y0 + dy), (ex, y1 + dy), arrowstyle="-|>",
                                         mutation_scale=9, color="0.35", lw=0.9,
                                         connectionstyle=f"arc3,rad={rad}"))
            apex = y0 + dy + 0.5 * abs(rad) * abs(ex - sx) * (1 if forward else -1)
            ax.text((sx + ex) / 2, apex + (0.04 if forward else -0.04), label, ha="center",
                    va="bottom" if forward else "top", fontsize=_SMALL, linespacing=1.2,
                    bbox=_LABEL_BOX)
        else:
            start, end = (x0, y0 - h / 2), (x1, y1 + h / 2)
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9,
                                         color="0.35", lw=0.9, shrinkA=1, shrinkB=1))
            ax.text((x0 + x1) / 2 + 0.1, (start[1] + end[1]) / 2, label, ha="left",
                    va="center" if x0 == x1 else "bottom", fontsize=_SMALL,
                    linespacing=1.2, bbox=_LABEL_BOX)


def study_graph_figure(data: str | Mapping[str, Any] | None) -> Figure | None:
    """One panel per study: models as boxes in run order, links as labelled arrows.

    Each box names the model instance, its identity and its length scale when the
    model declares one; the case parameters bound to it are listed beside it. The
    figure's ``caption`` says how to read it. Returns None when no study has a model.
    """
    graphs = _graphs(data)
    if not graphs:
        return None
    layouts = {label: _Layout(g) for label, g in graphs.items()}
    title_h, margin = 0.32, 0.1
    width = max(lay.size[0] for lay in layouts.values()) + 2 * margin
    height = sum(lay.size[1] + title_h for lay in layouts.values()) + margin
    fig = Figure(figsize=(width, height))
    top = height
    for label, lay in layouts.items():
        w, h = lay.size
        top -= title_h
        ax = fig.add_axes((margin / width, (top - h) / height, w / width, h / height))
        top -= h
        ax.set_xlim(*lay.xlim)
        ax.set_ylim(*lay.ylim)
        ax.set_axis_off()
        _draw(ax, lay)
        kind = "concurrent coupling" if lay.concurrent else "study"
        ax.set_title(f"{kind} '{label}'", fontsize=9, loc="left", pad=4)
    n = sum(len(g["models"]) for g in graphs.values())
    names = " and ".join(f"'{k}'" for k in graphs)
    fig.caption = (  # type: ignore[attr-defined]
        f"Study graph{'s' if len(graphs) > 1 else ''} {names}: {n} model"
        f"{'s' if n != 1 else ''} in run order (instance, implementation, length scale ℓ "
        "where declared); arrows carry the named quantities with their units; case "
        "parameters bound to a model in brown.")
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
            scale = format_length(d.get("scale_m"))
            lines.append(f"  {m} ({d['identity']})")
            lines.append(f"    in:  {ins}")
            lines.append(f"    out: {outs}")
            if scale:
                lines.append(f"    length scale: {scale.removeprefix('ℓ ≈ ')}")
            if d["diagnostics"]:
                lines.append(f"    validity: {', '.join(d['diagnostics'])}")
        for src, dst in g["links"]:
            lines.append(f"  {src} -> {dst}")
        for pname, targets in g["parameters"].items():
            lines.append(f"  parameter {pname} -> {', '.join(targets)}")
        for target, value in g["inputs"].items():
            lines.append(f"  {target} = {value}")
    return lines
