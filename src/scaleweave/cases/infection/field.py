"""The interferon field of the ``infection`` case: a film on the sheet (2D) or a medium (3D).

* ``field_dimension = "2"``: the field is an areal density (1/m^2) on the sheet's own
  ``n x n`` grid; each cell secretes into and reads its own grid cell.
* ``field_dimension = "3"``: the sheet is the floor of a medium ``medium_height``
  deep, cut into layers one cell size thick (an ``n x n x layers`` grid, zero flux at
  the floor, the top and the sides); each cell secretes into the medium cell above it
  and reads its density (1/m^3) there (:class:`SheetUnderMedium`), half-maximal
  protection at ``ifn_half_3d``.

:func:`field_reference` is the one-producing-cell check of either: the steady field
on a grid against the point-source solution of that dimension.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from scaleweave.analytic.point_source import point_source_2d, point_source_box_3d
from scaleweave.core.model import Port
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.waveform import Waveform
from scaleweave.engines.continuum.reaction_diffusion import ReactionDiffusion
from scaleweave.engines.kinetics.cell_sheet import CellSheet, CellSheetSubmodel
from scaleweave.errors import ConfigError

__all__ = ["SheetUnderMedium", "cells_submodel", "field_grid", "field_reference",
           "field_unit", "layers", "three_d"]


def three_d(p: ParameterValues) -> bool:
    """Whether the field is the 3D medium above the sheet."""
    return str(p["field_dimension"]) == "3"


def field_unit(p: ParameterValues) -> str:
    """The field's unit: an areal (2D) or a volume (3D) density."""
    return "1/m^3" if three_d(p) else "1/m^2"


def layers(p: ParameterValues) -> int:
    """Layers of the 3D medium (one cell size each).

    Raises
    ------
    ConfigError
        ``medium_height`` is not a whole number of at least 2 cell sizes.
    """
    h, depth = p["cell_size"], p["medium_height"]
    n = round(depth / h)
    if n < 2 or abs(n * h - depth) > 1e-6 * h:
        raise ConfigError(f"parameter 'medium_height' = {depth * 1e6:g} um must be a whole "
                          f"number of at least 2 cell sizes ({h * 1e6:g} um each)")
    return n


def field_grid(p: ParameterValues, n_side: int | None = None) -> ReactionDiffusion:
    """The zero-flux field grid: ``n x n`` (2D) or ``n x n x layers`` (3D)."""
    n = int(p["n_side"]) if n_side is None else n_side
    shape = (n, n, layers(p)) if three_d(p) else (n, n)
    return ReactionDiffusion(shape, p["cell_size"], p["ifn_diffusivity"], p["ifn_decay"],
                             "neumann")


class _Floor:
    """A field waveform read at the floor layer (what the cells see)."""

    def __init__(self, wave: Waveform) -> None:
        self.wave = wave

    def __call__(self, t: float) -> np.ndarray:
        return np.asarray(self.wave(t))[..., 0]


class SheetUnderMedium(CellSheetSubmodel):
    """The cell sheet as the floor of a 3D medium (see :class:`CellSheetSubmodel`).

    Imports the medium's density (1/m^3) and reads its floor layer; exports the
    secretion of its producing cells as a volume source (1/(m^3 s)) in that layer.

    Parameters
    ----------
    layers : int
        Layers of the medium.
    k_half : float
        Density of half-maximal protection (1/m^3).
    **kwargs
        As for :class:`CellSheetSubmodel`.
    """

    imports = (Port("ifn", "1/m^3", None, "interferon density of the medium"),)
    exports = (Port("source", "1/(m^3*s)", None, "interferon secretion into the medium"),)

    def __init__(self, sheet: CellSheet, dt: float, *, layers: int, **kwargs: Any) -> None:
        super().__init__(sheet, dt, **kwargs)
        self.layers = int(layers)

    def export(self) -> dict[str, Any]:
        """The secretion density (1/(m^3 s)), shape (replicas, n, n, layers)."""
        floor = self.sheet.producing_grid() * (self.secretion / self.h**3)
        out = np.zeros((*floor.shape, self.layers))
        out[..., 0] = floor
        return {"source": out}

    def advance(self, t0: float, t1: float, boundary: Mapping[str, Waveform]) -> None:
        """As :meth:`CellSheetSubmodel.advance`, reading the medium at the floor."""
        super().advance(t0, t1, {"ifn": _Floor(boundary["ifn"])})


def cells_submodel(p: ParameterValues, sheet: CellSheet, rd: ReactionDiffusion,
                   dt: float) -> CellSheetSubmodel:
    """The sheet in the coupler, reading a 2D film or a 3D medium."""
    common = {"secretion": p["secretion"], "spacing": rd.spacing,
              "k_protect": p["protection_rate"], "hill": p["ifn_hill"]}
    if three_d(p):
        return SheetUnderMedium(sheet, dt, layers=rd.shape[2], k_half=p["ifn_half_3d"],
                                **common)
    return CellSheetSubmodel(sheet, dt, k_half=p["ifn_half"], **common)


def field_reference(p: ParameterValues) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Steady interferon of one producing cell against the point source of its dimension.

    2D: on a zero-flux grid at least 8 decay lengths across each way (odd, so the
    source cell is the centre), against ``q K0(r/lambda)/(2 pi D)``, out to 4 decay
    lengths. 3D: the source in the floor layer of the run's medium, at least 3 decay
    lengths across each way, against ``q exp(-r/lambda)/(4 pi D r)`` summed over the source's
    images in the zero-flux walls (floor, top and sides: the grid's own box), along
    the floor out to 3 decay lengths.

    Returns ``(r_cells, profile, exact (NaN at r = 0), max relative error for r >= 2
    cells)``, the densities in the field's unit (SI).
    """
    h, D, k = p["cell_size"], p["ifn_diffusivity"], p["ifn_decay"]
    lam = math.sqrt(D / k)
    half, reach = (3, 3) if three_d(p) else (8, 4)  # grid half-width, profile (lambda)
    n_ref = max(int(p["n_side"]), 2 * math.ceil(half * lam / h) + 1)
    n_ref += 1 - n_ref % 2
    rd = field_grid(p, n_ref)
    ic = n_ref // 2
    q = p["secretion"] if p["secretion"] > 0 else 1.0
    src = np.zeros(rd.shape)
    r_cells = np.arange(0, min(ic, math.ceil(reach * lam / h)) + 1)
    if three_d(p):
        src[ic, ic, 0] = q / h**3
        c = rd.steady(src)[ic, ic + r_cells, 0]
        centre = (ic + 0.5) * h
        points = np.stack([np.full(r_cells.size, centre), centre + r_cells * h,
                           np.full(r_cells.size, 0.5 * h)], axis=1)
        exact = point_source_box_3d(points[1:], [centre, centre, 0.5 * h],
                                    np.asarray(rd.shape) * h, q, D, k)
        exact = np.concatenate([[np.nan], exact])
    else:
        src[ic, ic] = q / h**2
        c = rd.steady(src)[ic, ic + r_cells]
        exact = np.where(r_cells > 0,
                         point_source_2d(np.maximum(r_cells, 1e-9) * h, q, D, k), np.nan)
    far = r_cells >= 2
    return r_cells, c, exact, float(np.max(np.abs(c[far] / exact[far] - 1.0)))
