"""The ``qssa`` study (one bridge) and what is read from its run."""

from __future__ import annotations

import numpy as np
import xarray as xr

from scaleweave.bridges.reduction.michaelis_menten import MichaelisMentenQSSA
from scaleweave.cases.base import Analysis, CaseRuns, RunContext, Sampling
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output
from scaleweave.core.study import Study

__all__ = ["analyse", "sampling", "study"]

_CURVES = ("substrate", "complex", "product")


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Study]:
    """The bridge alone: the case's parameters feed its ports."""
    return {"michaelis_menten": Study([MichaelisMentenQSSA(n_times=p["n_times"],
                                                           eps_max=p["eps_max"])])}


def sampling(label: str, p: ParameterValues) -> Sampling:
    """Monte Carlo over distributions of the constants (one ODE pair per sample)."""
    return Sampling(n=p["n_samples"], method="mc")


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Headline numbers and the curves (nominal run) or their distributions."""
    run = runs["michaelis_menten"]
    units = {"epsilon": "", "max_error": "", "km": "mol/m**3", "vmax": "mol/(m**3*s)",
             "initial_rate": "mol/(m**3*s)"}
    what = {"epsilon": "Segel-Slemrod epsilon of the reduction",
            "max_error": "measured max |P_full - P_reduced| / S0",
            "km": "Michaelis constant", "vmax": "maximal rate k2 E0",
            "initial_rate": "reduced model's rate at t = 0"}
    if run.propagation is not None:
        outputs = {}
        for key, unit in units.items():
            s = run.propagation.stats[f"michaelis_menten.{key}"]
            outputs[key] = Output(s["mean"], unit, s["q025"], s["q975"],
                                  f"{what[key]} (mean, 95% range)", error=s.get("mc_error"))
        ds = run.propagation.dataset.copy()
        for name in list(ds.data_vars) + list(ds.coords):
            ds[name].attrs.setdefault("units", "1")
        return Analysis(outputs, ds, notes=["distributions given: the curves are not kept"])
    si = {k.split(".", 1)[1]: v for k, v in run.result.si.items()}
    outputs = {key: Output(float(si[key]), unit, description=what[key])
               for key, unit in units.items()}
    t = np.asarray(si["time"])
    mid = t.size // 2
    outputs["substrate_reduced_mid"] = Output(
        float(si["substrate_reduced"][mid]), "mol/m**3",
        description=f"reduced S at t = {t[mid]:g} s")
    data = {f"{c}_{m}": ("time", np.asarray(si[f"{c}_{m}"]), {"units": "mol/m**3"})
            for c in _CURVES for m in ("full", "reduced")}
    ds = xr.Dataset(data, coords={"time": ("time", t, {"units": "s"})},
                    attrs={"epsilon": float(si["epsilon"]), "s0": float(si["s0"]),
                           "e0": float(si["e0"])})
    return Analysis(outputs, ds)
