"""What the ``battery`` case derives from its runs: outputs, validity and the Dataset.

The case base has run the NEB once (study ``neb``) and propagated the chain (study
``battery``, with its Sobol' indices). Here: the chain at the nominal inputs (the
kMC's MSD curve, the diffusivities and conductivities), the drift route (the field
applied in the kMC only) against Nernst-Einstein, the sampled voltage curves, and
the conductivity against temperature over the sampled barriers and prefactors.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import xarray as xr

from scaleweave.cases.base import Analysis, CaseRuns, RunContext, StudyRun
from scaleweave.cases.battery.study import rate_label
from scaleweave.core.checks import Validity
from scaleweave.core.constants import BOLTZMANN as _KB
from scaleweave.core.constants import ELECTRON_VOLT as _EV
from scaleweave.core.constants import ELEMENTARY_CHARGE as _E
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity

__all__ = ["analyse"]

_DRIFT = ("|drift-route - Nernst-Einstein conductivity| (S/m, trace/3) vs 3 combined "
          "standard errors (Einstein relation in linear response)")


def _nominal_outputs(si: dict[str, Any]) -> dict[str, Output]:
    """The chain's transport numbers at the nominal inputs, with the kMC's intervals."""
    d_sig = float(si["kmc.collective_diffusivity"])
    d_sig_err = float(si["kmc.collective_diffusivity_err"])
    d0 = float(si["kmc.uncorrelated_diffusivity"])
    sigma = float(si["nernst_einstein.conductivity"])
    sigma_err = float(si["nernst_einstein.conductivity_err"])
    ratio, ratio_err = d_sig / d0, d_sig_err / d0
    return {
        "hop_rate": Output(float(si["arrhenius.hop_rate"]), "1/s", description="Arrhenius "
                           "rate of one hop path at the nominal barrier and temperature"),
        "barrier_over_kT": Output(float(si["arrhenius.barrier_over_kT"]), "",
                                  description="Ea/kT at the nominal barrier"),
        "collective_diffusivity": Output(
            d_sig, "m^2/s", d_sig - 1.96 * d_sig_err, d_sig + 1.96 * d_sig_err,
            "kMC D_sigma, orientational average (trace/3); 95% Monte Carlo interval",
            error=d_sig_err),
        "collective_diffusivity_b": Output(
            3 * d_sig, "m^2/s", 3 * (d_sig - 1.96 * d_sig_err), 3 * (d_sig + 1.96 * d_sig_err),
            "kMC D_sigma along the b channel"),
        "collective_diffusivity_over_d0": Output(
            ratio, "", ratio - 1.96 * ratio_err, ratio + 1.96 * ratio_err,
            "kMC D_sigma over the lone-carrier D0 (the blocking factor of the lattice gas)",
            error=ratio_err),
        "chemical_diffusivity": Output(float(si["fick.chemical_diffusivity"]), "m^2/s",
                                       description="D_chem = D_sigma / (1-c) (ideal crystal, "
                                       "trace/3)"),
        "particle_diffusivity": Output(float(si["fick.particle_diffusivity"]), "m^2/s",
                                       description="D_chem x blocking factor -> PyBaMM "
                                       "positive particle"),
        "conductivity": Output(
            sigma, "S/m", sigma - 1.96 * sigma_err, sigma + 1.96 * sigma_err,
            "Nernst-Einstein Li conductivity (trace/3) at the nominal barrier; kMC interval",
            error=sigma_err),
        "conductivity_b": Output(3 * sigma, "S/m", description="the same along b"),
        "haven_ratio": Output(float(si["kmc.haven_ratio"]), "", description="D*/D_sigma over "
                              "the kMC blocks; single-file channels: depends on the block "
                              "length, not a bulk constant"),
    }


def _drift(kmc: Any, si: dict[str, Any], temp: float, ratio: float
           ) -> tuple[Output, list[Validity]]:
    """The mobility from drift under a small field along b, against Nernst-Einstein.

    The field is applied in the kMC only (a copy of the chain's, seeded one further),
    at ``ratio`` kT of field work per hop; the study stops at a conductivity.
    """
    from scaleweave.bridges.rates.transport import DriftConductivityModel

    field = ratio * _KB * temp / (_E * kmc.lattice.hop_distance)  # V/m
    kd = kmc.with_(seed=kmc.seed + 1, field_direction=(0.0, 1.0, 0.0), name="kmc_drift")
    st = Study([kd, DriftConductivityModel(name="drift")])
    for src in ("mobility", "mobility_err", "carrier_density"):
        st.connect(f"kmc_drift.{src}", f"drift.{src}")
    st.set_input("kmc_drift.hop_rate", Quantity(float(si["arrhenius.hop_rate"]), "1/s"))
    st.set_input("kmc_drift.temperature", Quantity(temp, "K"))
    st.set_input("kmc_drift.electric_field", Quantity(field, "V/m"))
    r = st.run()
    # Drift measures the b component; trace/3 of a 1D conductor is a third of it.
    s = float(r.si["drift.conductivity"]) / 3
    s_err = float(r.si["drift.conductivity_err"]) / 3
    sigma = float(si["nernst_einstein.conductivity"])
    tol = 3 * math.hypot(s_err, float(si["nernst_einstein.conductivity_err"]))
    out = Output(s, "S/m", s - 1.96 * s_err, s + 1.96 * s_err,
                 "drift route sigma = n q v/E (trace/3), field applied in the kMC only",
                 error=s_err)
    return out, [*r.validity, Validity("drift", _DRIFT, abs(s - sigma), tol)]


def _propagated_outputs(si: dict[str, Any], res: Any, labels: list[str]) -> dict[str, Output]:
    """Device and transport numbers over the epistemic inputs (mean, 95% interval)."""
    out: dict[str, Output] = {}

    def add(port: str, unit: str, scale: float, desc: str, key: str) -> None:
        value = float(np.asarray(si[port]).ravel()[0]) / scale
        lo = hi = err = None
        if res is not None and port in res.stats:
            s = res.stats[port]
            lo, hi, value = s["q025"] / scale, s["q975"] / scale, s["mean"] / scale
            err = s["mc_error"] / scale if "mc_error" in s else None
        out[key] = Output(value, unit, lo, hi, desc, error=err)

    for lab in labels:
        add(f"cell.capacity_{lab}", "A*h", 3600.0,
            f"discharge capacity at {lab} (mean, 95% interval)", f"capacity_{lab}")
        add(f"cell.mean_voltage_{lab}", "V", 1.0, f"capacity-averaged voltage at {lab}",
            f"mean_voltage_{lab}")
    add("device.capacity_ratio", "", 1.0, f"capacity {labels[-1]} / {labels[0]}",
        "capacity_ratio")
    add("nernst_einstein.conductivity", "S/m", 1.0,
        "Nernst-Einstein conductivity over the epistemic inputs (trace/3)", "conductivity_uq")
    add("fick.particle_diffusivity", "m^2/s", 1.0,
        "particle diffusivity fed to PyBaMM over the epistemic inputs",
        "particle_diffusivity_uq")
    return out


def _sampled_rows(run: StudyRun, ctx: RunContext) -> dict[str, np.ndarray]:
    """Every port of the propagation's rows, the voltage curves included.

    The propagation keeps the scalar ports only; the same rows through the same
    evaluator come back from the run's campaign store (computed again without one).
    """
    from scaleweave.uq.propagate import plan

    res = run.propagation
    if res is None:
        return {}
    outer, inner, _ = plan(run.uncertain)
    names = [*outer, *inner]
    X = np.column_stack([res.dataset[f"param.{n}"].values.ravel() for n in names])
    return ctx.evaluator(run.study, run.label)(names, X)


def _conductivity_vs_temperature(kmc: Any, temps: np.ndarray, temp: float, nu: np.ndarray,
                                 ea: np.ndarray) -> np.ndarray:
    """Nernst-Einstein conductivity (S/m), shape ``(len(nu), len(temps))``: the unit-rate
    kMC at ``temp`` rescaled by the Arrhenius rate of each prefactor and barrier (J)."""
    from scaleweave.bridges.rates.arrhenius import arrhenius_rate
    from scaleweave.bridges.rates.transport import nernst_einstein_conductivity

    unit = kmc.run_unit_rate(temp, 0.0)
    return np.stack([nernst_einstein_conductivity(
        unit.carrier_density, unit.collective_diffusivity * arrhenius_rate(nu, ea, t), t)
        for t in temps], axis=-1)


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Outputs, validity and the Dataset of the figures, from the ``neb`` and ``battery``
    runs."""
    from scaleweave.bridges.rates.arrhenius import arrhenius_validity

    p = runs.params
    calc = p["calculator"]
    temp = float(p["temperature"])
    timings: dict[str, float] = {}
    notes: list[str] = []
    neb = runs["neb"]
    bout = {k.split(".", 1)[1]: v for k, v in neb.result.si.items() if k.startswith("barrier.")}
    ea = float(bout["barrier"]) / _EV
    nu0 = float(bout["attempt_frequency"])
    path = neb.study.models["barrier"].path
    outputs = {
        "barrier": Output(ea, "eV", description=f"NEB barrier ({calc}): {path.description}"),
        "attempt_frequency": Output(nu0, "Hz", description="Vineyard prefactor of the hopping "
                                    "atom (harmonic TST)"),
    }
    if calc != "chgnet":
        notes.append("calculator=emt: the barrier is the Au/Al(100) test hop standing in for "
                     "the Li hop; downstream numbers are not LiFePO4's")

    chain = runs["battery"]
    kmc, device = chain.study.models["kmc"], chain.study.models["device"]
    labels = [rate_label(c) for c in device.c_rates]
    tic = time.perf_counter()
    si = (chain.result if chain.result is not None else chain.study.run()).si
    outputs.update(_nominal_outputs(si))
    timings["chain_nominal"] = time.perf_counter() - tic

    tic = time.perf_counter()
    outputs["conductivity_drift"], validity = _drift(kmc, si, temp, p["drift_field_ratio"])
    timings["drift"] = time.perf_counter() - tic

    res = chain.propagation
    if res is None:
        notes.append("no uncertain parameter: no error bars")
    outputs.update(_propagated_outputs(si, res, labels))
    tic = time.perf_counter()
    rows = _sampled_rows(chain, ctx)
    timings["sampled_curves"] = time.perf_counter() - tic

    if res is not None:
        ea_s, nu_s = res.dataset["hop.barrier"].values, res.dataset["hop.attempt_frequency"].values
    else:
        ea_s, nu_s = np.array([ea * _EV]), np.array([nu0])
    t_hi = max(float(p["t_max"]), temp)
    v = arrhenius_validity(float(np.min(ea_s / _EV)) * _EV, t_hi)
    validity.append(Validity(v.bridge, f"barrier over kT (Ea/kT), lowest sampled barrier at "
                             f"{t_hi:g} K (the Arrhenius plot's top)", v.value, v.limit,
                             v.sense))

    tic = time.perf_counter()
    temps = np.linspace(float(p["t_min"]), float(p["t_max"]), 21)
    sig_t = _conductivity_vs_temperature(kmc, temps, temp, nu_s, ea_s)  # (samples, T)
    sig_nom_t = _conductivity_vs_temperature(kmc, temps, temp, np.array([nu0]),
                                             np.array([ea * _EV]))[0]
    timings["conductivity_vs_temperature"] = time.perf_counter() - tic

    ds = _dataset(bout, ea, si, temps, sig_t, sig_nom_t, rows, device, res)
    ds.attrs["calculator"] = calc
    ds.attrs["neb_images"] = int(p["neb_images"])
    lat = kmc.lattice
    ds.attrs["lattice"] = f"{lat.name}: {lat.n_sites} sites, {kmc.n_carriers} Li, z=2"
    return Analysis(outputs=outputs, dataset=ds, validity=validity, notes=notes,
                    timings=timings)


def _dataset(bout: dict, ea: float, si: dict, temps: np.ndarray, sig_t: np.ndarray,
             sig_nom_t: np.ndarray, rows: dict, device: Any, res: Any) -> xr.Dataset:
    """Everything the figures draw (SI units), with the propagation's samples as ``uq.*``."""
    msd_attrs = {"units": "m**2", "dim": 3,
                 "uncorrelated_diffusivity": float(si["kmc.uncorrelated_diffusivity"]),
                 "collective_diffusivity": float(si["kmc.collective_diffusivity"]),
                 "concentration": float(si["kmc.concentration"])}
    data = {
        "neb_reaction_coordinate": ("neb_image", np.asarray(bout["reaction_coordinate"]),
                                    {"units": "m"}),
        "neb_energy": ("neb_image", np.asarray(bout["energy_profile"]),
                       {"units": "J", "barrier_eV": ea}),
        "kmc_time": ("kmc_sample", np.asarray(si["kmc.msd_time"]), {"units": "s"}),
        "kmc_msd": ("kmc_sample", np.asarray(si["kmc.msd"]), msd_attrs),
        "kmc_msd_err": ("kmc_sample", np.asarray(si["kmc.msd_err"]), {"units": "m**2"}),
        "arrhenius_temperature": ("temperature", temps, {"units": "K"}),
        "conductivity_nominal": ("temperature", sig_nom_t, {"units": "S/m"}),
        "conductivity_lo": ("temperature", np.quantile(sig_t, 0.025, axis=0), {"units": "S/m"}),
        "conductivity_hi": ("temperature", np.quantile(sig_t, 0.975, axis=0), {"units": "S/m"}),
        "capacity_fraction": ("fraction", device.fraction_grid, {"units": "1"}),
        "capacity_nominal": ("c_rate", np.asarray(si["device.capacity"]), {"units": "A*s"}),
        "voltage_curve_nominal": (("c_rate", "fraction"), np.asarray(si["device.voltage_curve"]),
                                  {"units": "V"}),
    }
    if "device.voltage_curve" in rows:
        data["voltage_curve"] = (("sample", "c_rate", "fraction"), rows["device.voltage_curve"],
                                 {"units": "V"})
        data["capacity_samples"] = (("sample", "c_rate"), rows["device.capacity"],
                                    {"units": "A*s"})
    ds = xr.Dataset(data, coords={"c_rate": ("c_rate", list(device.c_rates), {"units": "1/h"})})
    if res is not None:
        prop = res.dataset.rename({k: f"uq.{k}" for k in res.dataset.data_vars})
        ds = xr.merge([ds, prop], compat="override")
    for name in list(ds.data_vars) + list(ds.coords):
        ds[name].attrs.setdefault("units", "1")
    return ds
