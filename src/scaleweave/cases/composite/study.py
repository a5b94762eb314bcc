"""The ``composite`` study (wiring) and what is derived from its run.

The study is two bridges on one periodic cell: the FFT conductivity and the FFT
stiffness (:mod:`scaleweave.bridges.homogenization.two_phase`), each fed the phase
properties. :func:`analyse` solves the cell again at half the resolution (grid
convergence), reads the moduli the Voigt/Reuss tensors bound
(:mod:`scaleweave.bridges.homogenization.moduli`) and tabulates the bounds and exact
results over the fraction for the figures.
"""

from __future__ import annotations

import math
import time

import numpy as np
import xarray as xr

from scaleweave.bridges.homogenization.bounds import loewner_margin, voigt_reuss_stiffness
from scaleweave.bridges.homogenization.moduli import (
    bulk_modulus,
    isotropic_moduli,
    voigt_reuss_range,
)
from scaleweave.bridges.homogenization.two_phase import (
    TwoPhaseCell,
    TwoPhaseConductivityModel,
    TwoPhaseElasticityModel,
)
from scaleweave.cases.base import Analysis, CaseRuns, RunContext
from scaleweave.cases.composite.references import bounds, composite_cell, phase_moduli
from scaleweave.core.checks import Validity
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.engines.continuum.fft_homogenization import property_change
from scaleweave.materials.tensors import isotropic_stiffness

__all__ = ["analyse", "study"]

_AXES = "xyz"
#: Voigt index of each Mandel row: 2D [11, 22, 12] -> 1, 2, 6; 3D [11 .. 12] -> 1 .. 6.
_VOIGT = {2: (1, 2, 6), 3: (1, 2, 3, 4, 5, 6)}


def _models(cell: TwoPhaseCell, tol: float) -> list:
    return [TwoPhaseConductivityModel(cell=cell, tolerance=tol),
            TwoPhaseElasticityModel(cell=cell, tolerance=tol)]


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Study]:
    """The cell's two bridges (the case binds the phase properties into them)."""
    return {"composite": Study(_models(composite_cell(p), float(p["fft_tolerance"])))}


def _inputs(p: ParameterValues, model: object) -> dict[str, float]:
    return {port.name: float(p[port.name]) for port in model.inputs}  # type: ignore[attr-defined]


def _moduli(c: np.ndarray) -> tuple[float, float]:
    """The bulk modulus ``1/(I:S:I)`` and the isotropic projection's shear modulus (Pa)."""
    return bulk_modulus(c), isotropic_moduli(c)[1]


def _conductivity_outputs(k: np.ndarray, b: dict, d: int) -> dict[str, Output]:
    unit = "W/(m*K)"
    lo, hi = b["k_vr"]
    eig = np.linalg.eigvalsh(0.5 * (k + k.T))
    out = {f"conductivity_{a}{a}": Output(float(k[i, i]), unit, lo, hi,
                                          f"effective conductivity k*_{a}{a}; lo/hi: Reuss "
                                          "and Voigt", kind="bounds")
           for i, a in enumerate(_AXES[:d])}
    out["conductivity_mean"] = Output(float(np.trace(k)) / d, unit, *b["k_hs"],
                                      "mean conductivity tr(k*)/d; lo/hi: Hashin-Shtrikman",
                                      kind="bounds")
    out["conductivity_min"] = Output(float(eig[0]), unit, lo, hi, "smallest eigenvalue of "
                                     "k*; lo/hi: Reuss and Voigt", kind="bounds")
    out["conductivity_max"] = Output(float(eig[-1]), unit, lo, hi, "largest eigenvalue of k*;"
                                     " lo/hi: Reuss and Voigt", kind="bounds")
    return out


def _stiffness_outputs(c: np.ndarray, c_v: np.ndarray, c_r: np.ndarray, d: int
                       ) -> dict[str, Output]:
    idx = _VOIGT[d]
    out: dict[str, Output] = {}
    for a, i in enumerate(idx):
        for b in range(a, len(idx)):
            name, value = f"stiffness_{i}{idx[b]}", float(c[a, b]) / 1e9
            if a == b:  # a strain modulus of a basis mode: bounded
                out[name] = Output(value, "GPa", float(c_r[a, a]) / 1e9, float(c_v[a, a]) / 1e9,
                                   f"C*_{i}{i} (Mandel); lo/hi: Reuss and Voigt entries "
                                   "(diagonal: bounded)", kind="bounds")
            elif abs(c[a, b]) > 1e-9 * abs(c).max():
                out[name] = Output(value, "GPa", description=f"C*_{i}{idx[b]} (Mandel); an "
                                   "off-diagonal entry has no Voigt/Reuss bound")
    for name, what, modulus in (("bulk_modulus", "bulk modulus 1/(I:S*:I) (2D: area, plane "
                                 "strain)", bulk_modulus),
                                ("shear_modulus", "shear modulus of the isotropic projection "
                                 "of C*", lambda x: isotropic_moduli(x)[1])):
        lo, hi = voigt_reuss_range(c_v, c_r, modulus)
        out[name] = Output(modulus(c) / 1e9, "GPa", lo / 1e9, hi / 1e9,
                           f"{what}; lo/hi: of the Reuss and Voigt tensors", kind="bounds")
    out["voigt_margin"] = Output(loewner_margin(c_v, c), description="smallest eigenvalue of "
                                 "(C_V - C*)/|C_V| (>= 0: below Voigt)")
    out["reuss_margin"] = Output(loewner_margin(c, c_r), description="smallest eigenvalue of "
                                 "(C* - C_R)/|C*| (>= 0: above Reuss)")
    return out


def _curves(p: ParameterValues, cell: TwoPhaseCell) -> dict[str, tuple]:
    """Bounds and exact results over the fraction (what the figure draws)."""
    from scaleweave.analytic.rayleigh import square_array_conductivity
    from scaleweave.analytic.two_phase import laminate_stiffness

    fc = np.linspace(0.0, 1.0, 101)
    rows = [bounds(p, float(f)) for f in fc]
    out = {f"curve_{key}_{end}": ("curve_fraction", np.array([r[key][j] for r in rows]))
           for key in rows[0] for j, end in enumerate(("lower", "upper"))}
    exact_k = np.full(fc.size, np.nan)
    if cell.microstructure == "cylinders":
        k_m, c = p["conductivity_matrix"], p["conductivity_inclusion"] / p["conductivity_matrix"]
        ok = fc < 0.99 * math.pi / 4
        exact_k[ok] = [k_m * square_array_conductivity(float(f), c) for f in fc[ok]]
    out["curve_k_exact"] = ("curve_fraction", exact_k)
    exact_b, exact_g = np.full(fc.size, np.nan), np.full(fc.size, np.nan)
    if cell.microstructure == "laminate":
        k, g, _ = phase_moduli(p)
        for j, f in enumerate(fc):
            exact_b[j], exact_g[j] = _moduli(laminate_stiffness([1 - f, f], k, g, cell.dim))
    out["curve_bulk_exact"] = ("curve_fraction", exact_b)
    out["curve_shear_exact"] = ("curve_fraction", exact_g)
    return out


def _section(a: np.ndarray) -> np.ndarray:
    return a if a.ndim == 2 else a[:, :, a.shape[2] // 2]


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Outputs with their bounds, grid convergence, and the dataset the figures draw."""
    p = runs.params
    run = runs["composite"]
    cell = composite_cell(p)
    d, n = cell.dim, cell.resolution
    k = np.asarray(run.si("conductivity.conductivity"))
    c = np.asarray(run.si("elasticity.stiffness"))
    phases = cell.phases()
    f = float(phases.mean())
    b = bounds(p, f)
    kb, g, _ = phase_moduli(p)
    c_v, c_r = voigt_reuss_stiffness([1 - f, f], np.array(
        [isotropic_stiffness(ki, gi, d) for ki, gi in zip(kb, g, strict=True)]))
    outputs = {**_conductivity_outputs(k, b, d), **_stiffness_outputs(c, c_v, c_r, d),
               "fraction_pixels": Output(f, description="inclusion fraction of the grid"),
               "fft_iterations": Output(max(float(run.si("conductivity.iterations")),
                                            float(run.si("elasticity.iterations"))),
                                        description="CG iterations, worst load case")}

    tic = time.perf_counter()
    coarse = cell.at(n // 2)
    m_k, m_c = _models(coarse, float(p["fft_tolerance"]))
    k2 = np.asarray(m_k.evaluate(_inputs(p, m_k))["conductivity"])
    c2 = np.asarray(m_c.evaluate(_inputs(p, m_c))["stiffness"])
    limit = float(p["convergence_limit"])
    what = f"from {n // 2} to {n} pixels per side (grid convergence)"
    validity: list[Validity] = [
        *cell.size_validity(),
        property_change(np.trace(k2) / d, np.trace(k) / d, limit, f"tr(k*)/d {what}"),
        property_change(_moduli(c2)[0], _moduli(c)[0], limit, f"bulk modulus {what}"),
        property_change(_moduli(c2)[1], _moduli(c)[1], limit, f"shear modulus {what}")]
    timings = {"grid_convergence": time.perf_counter() - tic}

    flux = np.asarray(run.si("conductivity.flux_x"))
    x = (np.arange(n) + 0.5) / n
    ds = xr.Dataset(
        {"phase": (("x", "y"), _section(phases), {"units": "1"}),
         "flux_x": (("x", "y"), _section(flux), {"units": "W/m**2",
                                                 "gradient": "unit gradient along x (K/m)"}),
         "conductivity_tensor": (("i", "j"), k, {"units": "W/(m*K)"}),
         "conductivity_tensor_coarse": (("i", "j"), k2, {"units": "W/(m*K)"}),
         "stiffness": (("mandel_i", "mandel_j"), c, {"units": "Pa"}),
         "voigt_stiffness": (("mandel_i", "mandel_j"), c_v, {"units": "Pa"}),
         "reuss_stiffness": (("mandel_i", "mandel_j"), c_r, {"units": "Pa"}),
         "fraction_pixels": ((), f, {"units": "1"}),
         **{name: (dims, vals, {"units": "Pa" if "bulk" in name or "shear" in name
                                else "W/(m*K)"})
            for name, (dims, vals) in _curves(p, cell).items()}},
        coords={"x": ("x", x, {"units": "1"}), "y": ("y", x, {"units": "1"}),
                "curve_fraction": ("curve_fraction", np.linspace(0.0, 1.0, 101),
                                   {"units": "1"})},
        attrs={"microstructure": cell.microstructure, "dim": d, "resolution": n,
               "conductivity_matrix": float(p["conductivity_matrix"]),
               "conductivity_inclusion": float(p["conductivity_inclusion"])})
    ds["stiffness_moduli"] = ("modulus", np.array(_moduli(c)), {"units": "Pa"})
    return Analysis(outputs=outputs, dataset=ds, validity=validity, timings=timings)
