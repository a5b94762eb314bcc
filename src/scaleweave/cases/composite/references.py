"""The ``composite`` references: bounds and exact results, from the parameters alone.

Every expected value uses the phase fractions of the grid the FFT solves (the cell is a
deterministic function of the parameters, the random one of ``realisation``), so a
bound holds exactly for the pixel composite. Bounds compare with the slack of the
solve (100 x ``fft_tolerance``, relative); exact results of the continuum with the
pixel grid's discretisation allowance where it is known
(:mod:`scaleweave.bridges.homogenization.two_phase`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues
from scaleweave.errors import ConfigError

if TYPE_CHECKING:
    from scaleweave.bridges.homogenization.two_phase import TwoPhaseCell

__all__ = ["bounds", "composite_cell", "phase_moduli", "references"]

_VR = "Voigt/Reuss (Wiener 1912; Hill 1952, Proc. Phys. Soc. A 65, 349): any microstructure"
_HS_K = ("Hashin & Shtrikman (1962, J. Appl. Phys. 33, 3125); for any geometry via the "
         "trace bounds (Murat & Tartar 1985; Lurie & Cherkaev 1986; Milton 2002, ch. 23)")
_HS_E = ("Hashin & Shtrikman (1963, J. Mech. Phys. Solids 11, 127), Walpole (1966): "
         "statistically isotropic composite")
_LAM = "exact laminate: Wiener (1912); Postma (1955, Geophysics 20, 780); Backus (1962)"
_DYKHNE = "Dykhne (1970, Sov. Phys. JETP 32, 63): 2D checkerboard sqrt(k1 k2)"
_MULTI = ("multipole method: Rayleigh (1892); Perrins, McKenzie & McPhedran (1979, Proc. R. "
          "Soc. A 369, 207), at the grid's area fraction")
_HILL = "Hill (1963, J. Mech. Phys. Solids 11, 357): equal shear moduli fix K* exactly"

#: Reference names (the tests and the report read them).
DYKHNE = "checkerboard: conductivity vs sqrt(k_matrix k_inclusion) (Dykhne)"
MULTIPOLE = "square array of cylinders: transverse conductivity vs the multipole solution"
LAMINATE_ACROSS = "laminate: conductivity across the layers, the harmonic mean"
PARALLEL = "conductivity along parallel phases, the arithmetic mean"
LAMINATE_STIFFNESS = "laminate: exact stiffness (Backus)"
HS_ELASTIC = "Hashin-Shtrikman bounds on the bulk and shear moduli"
HILL_BULK = "equal shear moduli: exact bulk modulus (Hill)"
_NAMES = {"laminate": "laminate", "checkerboard": "checkerboard",
          "cylinders": "square array of cylinders", "random": "random inclusions"}


def composite_cell(p: ParameterValues) -> TwoPhaseCell:
    """The :class:`~scaleweave.bridges.homogenization.two_phase.TwoPhaseCell`, checked."""
    from scaleweave.bridges.homogenization.two_phase import TwoPhaseCell

    cell = TwoPhaseCell(str(p["microstructure"]), float(p["fraction"]), int(p["resolution"]),
                        int(p["dim"]), float(p["inclusion_radius"]), int(p["realisation"]))
    cell.check()
    return cell


def phase_moduli(p: ParameterValues) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per phase (matrix, inclusion): bulk ``K`` and shear ``G`` (Pa), and the bulk
    modulus the bounds use (3D: ``K``; 2D plane strain: the area one, ``K + G/3``)."""
    from scaleweave.bridges.homogenization.two_phase import isotropic_moduli_from_young

    kg = np.array([isotropic_moduli_from_young(p[f"young_{ph}"], p[f"poisson_{ph}"])
                   for ph in ("matrix", "inclusion")])
    k, g = kg[:, 0], kg[:, 1]
    return k, g, (k if int(p["dim"]) == 3 else k + g / 3.0)


def bounds(p: ParameterValues, f: float) -> dict[str, tuple[float, float]]:
    """(lower, upper) of the conductivity (Reuss/Voigt, HS) and, in Pa, of the bulk and
    shear moduli (Reuss/Voigt, HS) at inclusion fraction ``f``."""
    from scaleweave.bridges.homogenization.bounds import (
        hashin_shtrikman_bulk,
        hashin_shtrikman_conductivity,
        hashin_shtrikman_shear,
        reuss,
        voigt,
    )

    fr, d = [1.0 - f, f], int(p["dim"])
    k = [p["conductivity_matrix"], p["conductivity_inclusion"]]
    _, g, kb = phase_moduli(p)
    return {"k_vr": (reuss(fr, k), voigt(fr, k)),
            "k_hs": hashin_shtrikman_conductivity(fr, k, dim=d),
            "bulk_vr": (reuss(fr, kb), voigt(fr, kb)), "shear_vr": (reuss(fr, g), voigt(fr, g)),
            "bulk_hs": hashin_shtrikman_bulk(fr, kb, g, dim=d),
            "shear_hs": hashin_shtrikman_shear(fr, kb, g, dim=d)}


def _between(name: str, output: str, lo_hi: tuple[float, float], slack: float, source: str,
             scale: float = 1.0) -> list[Reference]:
    lo, hi = (x * scale for x in lo_hi)
    return [Reference(f"{name} above its lower bound", output, lo, slack * abs(lo), source,
                      "ge"),
            Reference(f"{name} below its upper bound", output, hi, slack * abs(hi), source,
                      "le")]


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Voigt/Reuss always; Hashin-Shtrikman and the exact results where they apply."""
    from scaleweave.analytic.rayleigh import square_array_conductivity
    from scaleweave.analytic.two_phase import checkerboard_conductivity, laminate_stiffness
    from scaleweave.bridges.homogenization.two_phase import (
        checkerboard_allowance,
        square_array_allowance,
    )

    cell = composite_cell(p)
    kind, d, n = cell.microstructure, cell.dim, cell.resolution
    what = f"the microstructure is the {_NAMES[kind]}"
    f = cell.pixel_fraction()
    b = bounds(p, f)
    slack = 100.0 * float(p["fft_tolerance"])
    k_m, k_i = p["conductivity_matrix"], p["conductivity_inclusion"]
    contrast = k_i / k_m
    refs: list[Reference | SkippedReference] = [
        Reference("conductivity: largest eigenvalue below Voigt (arithmetic mean)",
                  "conductivity_max", b["k_vr"][1], slack * b["k_vr"][1], _VR, "le"),
        Reference("conductivity: smallest eigenvalue above Reuss (harmonic mean)",
                  "conductivity_min", b["k_vr"][0], slack * b["k_vr"][0], _VR, "ge"),
        *_between("mean conductivity tr(k*)/d (Hashin-Shtrikman)", "conductivity_mean",
                  b["k_hs"], slack, _HS_K),
    ]
    # exact conductivities
    if kind == "laminate":
        refs.append(Reference(LAMINATE_ACROSS, "conductivity_xx", b["k_vr"][0], slack, _LAM))
    else:
        refs.append(SkippedReference(LAMINATE_ACROSS, what))
    along = {"laminate": ["yy", "zz"][: d - 1], "cylinders": ["zz"] if d == 3 else []}
    for ax in along.get(kind, []):
        refs.append(Reference(f"{PARALLEL} ({ax})", f"conductivity_{ax}", b["k_vr"][1], slack,
                              _LAM))
    if not along.get(kind):
        refs.append(SkippedReference(PARALLEL, f"no direction of the {d}D {_NAMES[kind]} has "
                                     "its phases in parallel"))
    if kind != "checkerboard":
        refs.append(SkippedReference(DYKHNE, what))
    elif d == 3:
        refs.append(SkippedReference(DYKHNE, "a 3D checkerboard: Dykhne's duality result is "
                                     "two-dimensional"))
    elif (tol := checkerboard_allowance(contrast, n)) is None:
        refs.append(SkippedReference(DYKHNE, f"contrast {contrast:g} beyond 1e3: the pixel "
                                     "checkerboard's corners conduct, no allowance is known "
                                     "(see the grid-convergence validity)"))
    else:
        refs.append(Reference(DYKHNE, "conductivity_xx", checkerboard_conductivity(k_m, k_i),
                              max(tol, slack), f"{_DYKHNE}; pixel allowance A(c) n^-4lambda"))
    if kind != "cylinders":
        refs.append(SkippedReference(MULTIPOLE, what))
    else:
        try:
            exact = k_m * square_array_conductivity(f, contrast)
        except ConfigError as exc:
            refs.append(SkippedReference(MULTIPOLE, str(exc)))
        else:
            tol = max(square_array_allowance(p["fraction"], contrast, n), slack)
            refs.append(Reference(MULTIPOLE, "conductivity_xx", exact, tol,
                                  f"{_MULTI}; pixel allowance beta^2 (2/n + 0.25/gap)"))
    # elasticity (outputs in GPa)
    refs += [Reference("stiffness below the Voigt tensor (min eig of (C_V - C*)/|C_V|)",
                       "voigt_margin", 0.0, slack, _VR, "ge"),
             Reference("stiffness above the Reuss tensor (min eig of (C* - C_R)/|C*|)",
                       "reuss_margin", 0.0, slack, _VR, "ge"),
             *_between("bulk modulus (Voigt/Reuss)", "bulk_modulus", b["bulk_vr"], slack, _VR,
                       1e-9),
             *_between("shear modulus (Voigt/Reuss)", "shear_modulus", b["shear_vr"], slack,
                       _VR, 1e-9)]
    if kind == "random":
        refs += [*_between("bulk modulus (Hashin-Shtrikman)", "bulk_modulus", b["bulk_hs"],
                           slack, _HS_E, 1e-9),
                 *_between("shear modulus (Hashin-Shtrikman)", "shear_modulus",
                           b["shear_hs"], slack, _HS_E, 1e-9)]
    else:
        refs.append(SkippedReference(HS_ELASTIC, f"the {_NAMES[kind]} is not elastically "
                                     "isotropic: these bound isotropic composites (the "
                                     "Voigt/Reuss bounds apply)"))
    k, g, _ = phase_moduli(p)
    if kind == "laminate":
        exact = laminate_stiffness([1.0 - f, f], k, g, dim=d) / 1e9
        entries = ((1, 1), (2, 2), (1, 2), (6, 6)) if d == 2 else \
            ((1, 1), (2, 2), (1, 2), (2, 3), (4, 4), (6, 6))
        mandel = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 2 if d == 2 else 5}
        for i, j in entries:
            refs.append(Reference(f"{LAMINATE_STIFFNESS}: C*_{i}{j}", f"stiffness_{i}{j}",
                                  float(exact[mandel[i], mandel[j]]), slack, _LAM))
    else:
        refs.append(SkippedReference(LAMINATE_STIFFNESS, what))
    if math.isclose(g[0], g[1], rel_tol=1e-12):
        refs.append(Reference(HILL_BULK, "bulk_modulus", b["bulk_hs"][0] / 1e9, slack, _HILL))
    else:
        refs.append(SkippedReference(HILL_BULK, f"the shear moduli differ: {g[0] / 1e9:.4g} "
                                     f"and {g[1] / 1e9:.4g} GPa"))
    return refs
