"""Two-phase periodic cells homogenized by the FFT engine: conductivity and elasticity.

A :class:`TwoPhaseCell` is the unit periodic cell of one of four microstructures,
phase 0 the matrix and phase 1 the inclusions (volume fraction ``fraction``), on a
grid of ``resolution`` pixels (voxels) per side
(:mod:`scaleweave.engines.geometry.microstructure`):

``laminate``
    Layers normal to ``x``.
``checkerboard``
    Two squares (cubes) per side, equal fractions.
``cylinders``
    A square array of cylinders, one per cell; in 3D, fibres along ``z``.
``random``
    Random non-overlapping disks (spheres) of one radius, placed by random
    sequential addition from the seed ``realisation``.

:class:`TwoPhaseConductivityModel` and :class:`TwoPhaseElasticityModel` solve the cell
(:func:`~scaleweave.engines.continuum.fft_homogenization.effective_conductivity`,
:func:`~scaleweave.engines.continuum.fft_homogenization.effective_elasticity`: 2D is
plane strain) for isotropic phases; their diagnostic is the FFT equilibrium residual.

Validity
--------
- Resolution (pixels across the smallest feature: a layer, a square, a cylinder or
  the gap between cylinders, an inclusion) and, for random inclusions, the cell's
  size over the inclusion diameter (:meth:`TwoPhaseCell.size_validity`).
- Discretisation allowances of the pixel grid against the continuum, measured on
  the engine's rotated scheme: :func:`square_array_allowance` (staircased disks) and
  :func:`checkerboard_allowance` (corner singularity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scaleweave.core.checks import Validity
from scaleweave.core.model import Bridge, Diagnostic, Port
from scaleweave.errors import ConfigError

__all__ = ["MICROSTRUCTURES", "TwoPhaseCell", "TwoPhaseConductivityModel",
           "TwoPhaseElasticityModel", "checkerboard_allowance", "isotropic_moduli_from_young",
           "square_array_allowance"]

#: The microstructures a :class:`TwoPhaseCell` builds.
MICROSTRUCTURES = ("laminate", "checkerboard", "cylinders", "random")
#: Random sequential addition jams at these fractions (disks, spheres).
_JAMMING = {2: 0.547, 3: 0.38}


@dataclass(frozen=True)
class TwoPhaseCell:
    """The unit periodic cell of a two-phase microstructure, as a pixel (voxel) grid.

    Attributes
    ----------
    microstructure : {"laminate", "checkerboard", "cylinders", "random"}
    fraction : float
        Area (volume) fraction of the inclusions, phase 1 (continuum value; the
        grid's own fraction is :meth:`pixel_fraction`).
    resolution : int
        Pixels (voxels) per cell side.
    dim : {2, 3}
    inclusion_radius : float
        Random inclusions' radius, in cell sides.
    realisation : int
        Seed of the random placement.
    """

    microstructure: str = "cylinders"
    fraction: float = 0.3
    resolution: int = 128
    dim: int = 2
    inclusion_radius: float = 0.1
    realisation: int = 0

    def check(self) -> None:
        """Refuse settings that build no such cell, naming the parameter (ConfigError)."""
        kind, f, n, d = self.microstructure, self.fraction, int(self.resolution), self.dim
        if kind not in MICROSTRUCTURES:
            raise ConfigError(f"parameter 'microstructure' = {kind!r} is not one of "
                              f"{', '.join(MICROSTRUCTURES)}")
        if d not in (2, 3):
            raise ConfigError(f"parameter 'dim' = {d} must be 2 or 3")
        if not 0.0 < f < 1.0:
            raise ConfigError(f"parameter 'fraction' = {f:g} must lie in (0, 1)")
        if n < 8:
            raise ConfigError(f"parameter 'resolution' = {n} must be at least 8")
        if kind == "laminate" and not all(0 < round(f * m) < m for m in (n, n // 2)):
            raise ConfigError(f"parameter 'fraction' = {f:g} leaves a layer empty on {n} "
                              f"(or the check's {n // 2}) slices; raise 'resolution'")
        if kind == "checkerboard" and f != 0.5:
            raise ConfigError(f"parameter 'fraction' = {f:g}: a checkerboard has equal "
                              "phase fractions; set fraction=0.5")
        if kind == "checkerboard" and n % 4:
            raise ConfigError(f"parameter 'resolution' = {n}: the checkerboard and its "
                              "half-resolution check need a multiple of 4")
        if kind == "cylinders" and f >= math.pi / 4:
            raise ConfigError(f"parameter 'fraction' = {f:g}: the cylinders of a square "
                              f"array touch at pi/4 = {math.pi / 4:.4f}")
        if kind == "random":
            if not 0.0 < self.inclusion_radius < 0.5:
                raise ConfigError(f"parameter 'inclusion_radius' = {self.inclusion_radius:g}"
                                  " must lie in (0, 0.5) cell sides")
            if f > _JAMMING[d]:
                raise ConfigError(f"parameter 'fraction' = {f:g} exceeds the random-"
                                  f"addition jamming limit {_JAMMING[d]} in {d}D")

    def at(self, resolution: int) -> TwoPhaseCell:
        """The same cell on another grid (random inclusions keep their centres)."""
        return replace(self, resolution=int(resolution))

    def phases(self) -> np.ndarray:
        """The phase label grid (0: matrix, 1: inclusions), ``resolution`` per side."""
        from scaleweave.engines.geometry import microstructure as ms

        self.check()
        n, d, f = int(self.resolution), self.dim, self.fraction
        shape = (n,) * d
        if self.microstructure == "laminate":
            return ms.laminate(shape, f, axis=0)
        if self.microstructure == "checkerboard":
            return ms.checkerboard(shape, 2)
        if self.microstructure == "cylinders":
            disks = ms.inclusion_array((n, n), f)
            return disks if d == 2 else np.repeat(disks[:, :, None], n, axis=2)
        try:
            return ms.random_inclusions(shape, f, self.inclusion_radius,
                                        np.random.default_rng(int(self.realisation)))
        except ConfigError as exc:
            raise ConfigError(f"parameters 'fraction' = {f:g}, 'inclusion_radius' = "
                              f"{self.inclusion_radius:g}: {exc}") from None

    def pixel_fraction(self) -> float:
        """The inclusion fraction of the grid (what the solver sees)."""
        return float(self.phases().mean())

    def feature_size(self) -> float:
        """The smallest length the grid must resolve (cell sides): a layer, a square,
        the cylinder diameter or the gap between cylinders, an inclusion's diameter."""
        if self.microstructure == "laminate":
            return min(self.fraction, 1.0 - self.fraction)
        if self.microstructure == "checkerboard":
            return 0.5
        if self.microstructure == "cylinders":
            r = math.sqrt(self.fraction / math.pi)
            return min(2.0 * r, 1.0 - 2.0 * r)
        return 2.0 * self.inclusion_radius

    def size_validity(self, min_voxels: float = 4.0) -> list[Validity]:
        """Pixels across the smallest feature; for random inclusions also the cell over
        the inclusion diameter (a periodic array's cell is its exact period)."""
        from scaleweave.engines.continuum.fft_homogenization import rve_size_validity

        checks = rve_size_validity(self.feature_size(), 1.0 / int(self.resolution), 1.0,
                                   min_features=4.0, min_voxels=min_voxels)
        return checks if self.microstructure == "random" else checks[1:]


def isotropic_moduli_from_young(young: float, poisson: float) -> tuple[float, float]:
    """Bulk and shear moduli ``E / (3 (1 - 2 nu))``, ``E / (2 (1 + nu))``.

    Examples
    --------
    >>> [round(x, 6) for x in isotropic_moduli_from_young(3.0, 0.25)]
    [2.0, 1.2]
    """
    if not young > 0 or not -1.0 < poisson < 0.5:
        raise ConfigError(f"need E > 0 and -1 < nu < 0.5, got E = {young}, nu = {poisson}")
    return young / (3.0 * (1.0 - 2.0 * poisson)), young / (2.0 * (1.0 + poisson))


def _beta(contrast: float) -> float:
    return (contrast - 1.0) / (contrast + 1.0)


def square_array_allowance(fraction: float, contrast: float, resolution: int) -> float:
    """Relative discretisation error allowed for a pixelated square array of cylinders.

    ``beta^2 (2/n + 0.25/g)`` with ``beta = (c - 1)/(c + 1)``, ``n`` pixels per side and
    ``g = n (1 - 2 a)`` pixels across the gap. Against the multipole value at the
    grid's own area fraction (which removes the area error of the staircased disk),
    the rotated scheme's error was at most 0.72 of this for f = 0.02-0.75, contrast
    1e-3-1e4 and n = 48-256 with at least 4 pixels across the gap and the diameter
    (first order in 1/n, plus the rounding of a narrow gap).

    Examples
    --------
    >>> round(square_array_allowance(0.3, 5.0, 128), 5)
    0.00922
    """
    a = math.sqrt(fraction / math.pi)
    gap_px = max(resolution * (1.0 - 2.0 * a), 1e-300)
    return _beta(contrast) ** 2 * (2.0 / resolution + 0.25 / gap_px)


def checkerboard_allowance(contrast: float, resolution: int) -> float | None:
    """Relative discretisation error allowed for the pixel checkerboard, or None.

    ``A(c) n^(-4 lambda)``: near a corner the potential grows as ``r^lambda``,
    ``lambda = (2/pi) arccos|beta|``, and the rotated scheme's error falls as
    ``n^(-4 lambda)`` (measured: 3.5 at contrast 1.5, 1.56 at 10, 0.51 at 100).
    ``A(c) = min(0.5 ln^2 c, 0.5 + 0.7 ln c)`` (``c >= 1``; ``1/c`` alike) bounds the
    measured prefactor (at most 0.91 of it) for contrasts up to 1e3 and n >= 16.
    Beyond 1e3 the pixel checkerboard's corners conduct (error above 100 % at 512^2)
    and no allowance is claimed: None.

    Examples
    --------
    >>> round(checkerboard_allowance(10.0, 128), 6)
    0.001091
    >>> checkerboard_allowance(1e4, 128) is None
    True
    """
    c = max(contrast, 1.0 / contrast)
    if c > 1e3 * (1 + 1e-12):
        return None
    lam = 2.0 / math.pi * math.acos(abs(_beta(c)))
    log_c = math.log(c)
    return min(0.5 * log_c**2, 0.5 + 0.7 * log_c) * resolution ** (-4.0 * lam)


class TwoPhaseConductivityModel(Bridge):
    """Effective conductivity of a :class:`TwoPhaseCell` by FFT homogenization.

    Ports
    -----
    Inputs ``conductivity_matrix``, ``conductivity_inclusion`` [W/(m K)]; outputs the
    tensor ``conductivity`` ``(d, d)`` [W/(m K)], ``flux_x`` [W/m^2], the local flux
    along ``x`` under a unit gradient along ``x`` (grid-shaped), ``iterations`` (the
    worst load case's) and ``residual``, the FFT equilibrium residual (its diagnostic,
    want <= ``tolerance``).
    """

    inputs = (Port("conductivity_matrix", "W/(m*K)", description="phase 0 conductivity"),
              Port("conductivity_inclusion", "W/(m*K)", description="phase 1 conductivity"))
    outputs = (Port("conductivity", "W/(m*K)", shape=None, description="effective tensor"),
               Port("flux_x", "W/m**2", shape=None,
                    description="local flux q_x under a unit gradient along x"),
               Port("iterations", "", description="CG iterations, worst load case"),
               Port("residual", "", description="FFT residual ||P q||/||q||"))
    identity = "homogenization.two_phase_conductivity"
    diagnostics = (Diagnostic("flux equilibrium residual ||P q||/||q||", "residual",
                              "tolerance"),)

    def __init__(self, *, cell: TwoPhaseCell, tolerance: float = 1e-8,
                 name: str = "conductivity") -> None:
        self.cell = cell
        self.tolerance = tolerance
        self.name = name

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        from scaleweave.engines.continuum.fft_homogenization import effective_conductivity

        k = [float(inputs["conductivity_matrix"]), float(inputs["conductivity_inclusion"])]
        res = effective_conductivity(self.cell.phases(), k, tol=self.tolerance,
                                     maxiter=20000, keep_fields=True)
        return {"conductivity": res.effective, "flux_x": res.fluxes[0, 0],
                "iterations": float(max(res.iterations)),
                "residual": max(float(h[-1]) for h in res.residuals)}


class TwoPhaseElasticityModel(Bridge):
    """Effective stiffness (Mandel; 2D plane strain) of a :class:`TwoPhaseCell` by FFT.

    Ports
    -----
    Inputs ``young_matrix``, ``young_inclusion`` [Pa] and ``poisson_matrix``,
    ``poisson_inclusion``; outputs ``stiffness`` ``(m, m)`` [Pa] (``m`` = 3 in 2D, 6 in
    3D), ``iterations`` and ``residual`` (its diagnostic, want <= ``tolerance``).
    """

    inputs = (Port("young_matrix", "Pa", description="phase 0 Young's modulus"),
              Port("poisson_matrix", "", description="phase 0 Poisson's ratio"),
              Port("young_inclusion", "Pa", description="phase 1 Young's modulus"),
              Port("poisson_inclusion", "", description="phase 1 Poisson's ratio"))
    outputs = (Port("stiffness", "Pa", shape=None, description="effective Mandel stiffness"),
               Port("iterations", "", description="CG iterations, worst load case"),
               Port("residual", "", description="FFT residual ||P sigma||/||sigma||"))
    identity = "homogenization.two_phase_elasticity"
    diagnostics = (Diagnostic("stress equilibrium residual ||P sigma||/||sigma||", "residual",
                              "tolerance"),)

    def __init__(self, *, cell: TwoPhaseCell, tolerance: float = 1e-8,
                 name: str = "elasticity") -> None:
        self.cell = cell
        self.tolerance = tolerance
        self.name = name

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        from scaleweave.engines.continuum.fft_homogenization import effective_elasticity

        moduli = [isotropic_moduli_from_young(float(inputs[f"young_{p}"]),
                                              float(inputs[f"poisson_{p}"]))
                  for p in ("matrix", "inclusion")]
        res = effective_elasticity(self.cell.phases(), [m[0] for m in moduli],
                                   [m[1] for m in moduli], tol=self.tolerance,
                                   maxiter=20000, keep_fields=False)
        return {"stiffness": res.effective, "iterations": float(max(res.iterations)),
                "residual": max(float(h[-1]) for h in res.residuals)}
