"""What the ``battery`` case derives from its runs: outputs, validity and the Dataset.

The case base has run the NEB once (study ``neb``, unless the barrier and the attempt
frequency are both given) and propagated the chain (study ``battery``, with its
Sobol' indices). Here: the chain at the nominal inputs (the kMC's MSD curve, the
diffusivities, the tracer correlation factor and the conductivities), the drift
route (the field applied in the kMC only) against Nernst-Einstein, the one-vacancy
run that measures a standard lattice's tracer correlation factor, the sampled
voltage curves, and the conductivity against temperature over the sampled barriers
and prefactors.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import xarray as xr

from scaleweave.cases.base import Analysis, CaseRuns, RunContext, StudyRun
from scaleweave.cases.battery.study import field_direction, hop_distance, rate_label, standard_kind
from scaleweave.core.checks import Validity
from scaleweave.core.constants import BOLTZMANN as _KB
from scaleweave.core.constants import ELECTRON_VOLT as _EV
from scaleweave.core.constants import ELEMENTARY_CHARGE as _E
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity

__all__ = ["analyse"]

_DRIFT = ("|drift-route - Nernst-Einstein conductivity| (S/m, trace/{dim}) vs 3 combined "
          "standard errors (Einstein relation in linear response)")


#: Supercells of the one-vacancy tracer run: about 4000 sites, so the finite-size
#: shift of f (about +1/N: the vacancy's walk drags every atom) stays near 2.5e-4.
_TRACER_CELLS = {"square": 64, "triangular": 64, "honeycomb": 45, "simple_cubic": 16,
                 "bcc": 13, "fcc": 10}
#: Target hops per atom in one block of the tracer run (correlations cut at block
#: edges bias f by about 0.05 / hops), and the validity limit on it.
_TRACER_BLOCK_HOPS, _TRACER_MIN_HOPS = 125, 100


def direction_factor(lattice: Any, direction: Any) -> float:
    """Diffusivity along ``direction`` over the reported one (trace / dim).

    ``dim * sum (d . u)^2 / sum |d|^2`` over the hop vectors: 3 for the crystal's
    channels along b (a one-dimensional conductor in a 3D box), 1 along x of the
    (isotropic) standard lattices.
    """
    d = lattice.displacements[lattice.neighbors >= 0]
    u = np.asarray(direction, dtype=float)
    u = u / np.linalg.norm(u)
    return round(lattice.dim * float(np.sum((d @ u) ** 2) / np.sum(d**2)), 12)


def _nominal_outputs(si: dict[str, Any], crystal: bool, dim: int) -> dict[str, Output]:
    """The chain's transport numbers at the nominal inputs, with the kMC's intervals."""
    d_sig = float(si["kmc.collective_diffusivity"])
    d_sig_err = float(si["kmc.collective_diffusivity_err"])
    d0 = float(si["kmc.uncorrelated_diffusivity"])
    gamma = float(si["arrhenius.hop_rate"])
    sigma = float(si["nernst_einstein.conductivity"])
    sigma_err = float(si["nernst_einstein.conductivity_err"])
    f, f_err = float(si["kmc.correlation_factor"]), float(si["kmc.correlation_factor_err"])
    ratio, ratio_err = d_sig / d0, d_sig_err / d0
    tr = "trace/3" if crystal else f"trace/{dim}, isotropic"
    conv = "orientational average (trace/3)" if crystal else tr
    out = {
        "hop_rate": Output(gamma, "1/s", description="Arrhenius rate of one hop path at the "
                           "nominal barrier and temperature"),
        "barrier_over_kT": Output(float(si["arrhenius.barrier_over_kT"]), "",
                                  description="Ea/kT at the nominal barrier"),
        "uncorrelated_diffusivity": Output(d0, "m^2/s", description=f"kMC D0 of a lone "
                                           f"carrier at the nominal rate ({tr})"),
        "uncorrelated_diffusivity_per_hop_rate": Output(
            d0 / gamma, "m^2", description="kMC D0 over the hop rate (the lattice's geometry)"),
        "collective_diffusivity": Output(
            d_sig, "m^2/s", d_sig - 1.96 * d_sig_err, d_sig + 1.96 * d_sig_err,
            f"kMC D_sigma, {conv}; 95% Monte Carlo interval", error=d_sig_err),
        "collective_diffusivity_over_d0": Output(
            ratio, "", ratio - 1.96 * ratio_err, ratio + 1.96 * ratio_err,
            "kMC D_sigma over the lone-carrier D0 (the blocking factor of the lattice gas)",
            error=ratio_err),
        "correlation_factor": Output(
            f, "", f - 1.96 * f_err, f + 1.96 * f_err,
            "tracer correlation factor of the carriers at the run's concentration (between "
            "the lattice gas's limits: 1 for one carrier, the one-vacancy value for one "
            "vacancy)" + ("; single-file channels: depends on the block length" if crystal
                          else ""), error=f_err),
        "chemical_diffusivity": Output(float(si["fick.chemical_diffusivity"]), "m^2/s",
                                       description=f"D_chem = D_sigma / (1-c) (ideal crystal, "
                                       f"{tr})"),
        "particle_diffusivity": Output(float(si["fick.particle_diffusivity"]), "m^2/s",
                                       description="D_chem x blocking factor -> PyBaMM "
                                       "positive particle"),
        "conductivity": Output(
            sigma, "S/m", sigma - 1.96 * sigma_err, sigma + 1.96 * sigma_err,
            f"Nernst-Einstein Li conductivity ({tr}) at the nominal barrier; kMC interval",
            error=sigma_err),
        "haven_ratio": Output(float(si["kmc.haven_ratio"]), "", description="D*/D_sigma over "
                              "the kMC blocks" + ("; single-file channels: depends on the "
                                                  "block length, not a bulk constant"
                                                  if crystal else " (= f for a lattice gas)")),
    }
    if crystal:
        out["collective_diffusivity_b"] = Output(
            3 * d_sig, "m^2/s", 3 * (d_sig - 1.96 * d_sig_err), 3 * (d_sig + 1.96 * d_sig_err),
            "kMC D_sigma along the b channel")
        out["conductivity_b"] = Output(3 * sigma, "S/m", description="the same along b")
    order = ("hop_rate", "barrier_over_kT", "collective_diffusivity", "collective_diffusivity_b",
             "collective_diffusivity_over_d0", "chemical_diffusivity", "particle_diffusivity",
             "conductivity", "conductivity_b", "haven_ratio")
    return {k: out[k] for k in (*order, *out) if k in out}


def _one_vacancy(kind: str, a: float, p: Any, seed: int) -> tuple[Output, Validity]:
    """The tracer correlation factor of a standard lattice: one vacancy, ~4000 sites.

    The vacancy-mechanism limit the exact values (Compaan & Haven) refer to: every
    site but one holds a tracked atom, each atom-vacancy exchange at one rate (unit
    rate here: ``f`` does not depend on it).
    """
    from scaleweave.engines.lattice.kmc import run_kmc
    from scaleweave.engines.lattice.sites import standard_lattice

    lat = standard_lattice(kind, _TRACER_CELLS[kind], a)
    jumps = int(p["tracer_jumps"])
    blocks = max(2, round(jumps / (_TRACER_BLOCK_HOPS * (lat.n_sites - 1))))
    res = run_kmc(lat, hop_rate=1.0, temperature=float(p["temperature"]), mechanism="vacancy",
                  n_carriers=1, n_events=jumps, n_blocks=blocks, n_samples=blocks,
                  n_replicas=int(p["kmc_replicas"]), rng=seed)
    f, err = res.correlation_factor, res.correlation_factor_err
    out = Output(f, "", f - 1.96 * err, f + 1.96 * err,
                 f"tracer correlation factor of the {kind} lattice: one vacancy on "
                 f"{lat.n_sites} sites, {res.n_replicas} replicas x {blocks} blocks; 95% "
                 "Monte Carlo interval", error=err)
    check = Validity("kmc_tracer", "hops per atom per block of the one-vacancy run (blocks "
                     "cut correlations: bias of f ~0.05/hops; raise tracer_jumps)",
                     res.block_hops_per_carrier, _TRACER_MIN_HOPS, "ge")
    return out, check


def _drift(kmc: Any, si: dict[str, Any], temp: float, ratio: float, direction: Any
           ) -> tuple[Output, list[Validity]]:
    """The mobility from drift under a small field along ``direction``, against
    Nernst-Einstein.

    The field is applied in the kMC only (a copy of the chain's, seeded one further),
    at ``ratio`` kT of field work per hop; the study stops at a conductivity.
    """
    from scaleweave.bridges.rates.transport import DriftConductivityModel

    field = ratio * _KB * temp / (_E * kmc.lattice.hop_distance)  # V/m
    kd = kmc.with_(seed=kmc.seed + 1, field_direction=tuple(direction), name="kmc_drift")
    st = Study([kd, DriftConductivityModel(name="drift")])
    for src in ("mobility", "mobility_err", "carrier_density"):
        st.connect(f"kmc_drift.{src}", f"drift.{src}")
    st.set_input("kmc_drift.hop_rate", Quantity(float(si["arrhenius.hop_rate"]), "1/s"))
    st.set_input("kmc_drift.temperature", Quantity(temp, "K"))
    st.set_input("kmc_drift.electric_field", Quantity(field, "V/m"))
    r = st.run()
    # Drift measures the component along the field; the reported conductivity is the
    # trace over dim (for the crystal's 1D channels a third of the b component).
    factor = direction_factor(kmc.lattice, direction)
    s = float(r.si["drift.conductivity"]) / factor
    s_err = float(r.si["drift.conductivity_err"]) / factor
    sigma = float(si["nernst_einstein.conductivity"])
    tol = 3 * math.hypot(s_err, float(si["nernst_einstein.conductivity_err"]))
    dim = kmc.lattice.dim
    out = Output(s, "S/m", s - 1.96 * s_err, s + 1.96 * s_err,
                 f"drift route sigma = n q v/E (trace/{dim}), field applied in the kMC only",
                 error=s_err)
    return out, [*r.validity, Validity("drift", _DRIFT.format(dim=dim), abs(s - sigma), tol)]


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


def _barrier_outputs(runs: CaseRuns) -> tuple[dict[str, Output], list[str], dict | None,
                                              float, float]:
    """The barrier (eV) and attempt frequency (Hz) the chain starts from: the given ones,
    or the NEB's. Returns the outputs, notes, the NEB's outputs (None without a NEB), and
    the barrier and prefactor."""
    p = runs.params
    calc = p["calculator"]
    outputs: dict[str, Output] = {}
    notes: list[str] = []
    bout = None
    if "neb" in runs:
        neb = runs["neb"]
        bout = {k.split(".", 1)[1]: v for k, v in neb.result.si.items()
                if k.startswith("barrier.")}
        path = neb.study.models["barrier"].path
        neb_ea, neb_nu = float(bout["barrier"]) / _EV, float(bout["attempt_frequency"])
        neb_desc = f"NEB barrier ({calc}): {path.description}"
        vineyard = "Vineyard prefactor of the hopping atom (harmonic TST)"
    if p["barrier"] > 0:
        ea = float(p.given["barrier"])
        outputs["barrier"] = Output(ea, "eV", description="given barrier (replaces the NEB's)")
        if bout is not None:
            outputs["barrier_neb"] = Output(neb_ea, "eV", description=f"{neb_desc} (not used)")
    else:
        ea = neb_ea
        outputs["barrier"] = Output(ea, "eV", description=neb_desc)
        if calc != "chgnet":
            notes.append("calculator=emt: the barrier is the Au/Al(100) test hop standing in "
                         "for the Li hop; downstream numbers are not LiFePO4's")
    if p["attempt_frequency"] > 0:
        nu0 = float(p["attempt_frequency"])
        outputs["attempt_frequency"] = Output(nu0, "Hz", description="given attempt frequency "
                                              "(replaces the Vineyard prefactor)")
        if bout is not None:
            outputs["attempt_frequency_vineyard"] = Output(neb_nu, "Hz",
                                                           description=f"{vineyard} (not used)")
    else:
        nu0 = neb_nu
        outputs["attempt_frequency"] = Output(nu0, "Hz", description=vineyard)
    return outputs, notes, bout, ea, nu0


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Outputs, validity and the Dataset of the figures, from the ``neb`` and ``battery``
    runs."""
    from scaleweave.bridges.rates.arrhenius import arrhenius_validity

    p = runs.params
    temp = float(p["temperature"])
    timings: dict[str, float] = {}
    outputs, notes, bout, ea, nu0 = _barrier_outputs(runs)

    chain = runs["battery"]
    kmc, device = chain.study.models["kmc"], chain.study.models["device"]
    labels = [rate_label(c) for c in device.c_rates]
    tic = time.perf_counter()
    si = (chain.result if chain.result is not None else chain.study.run()).si
    kind = standard_kind(p)
    outputs.update(_nominal_outputs(si, not kind, kmc.lattice.dim))
    timings["chain_nominal"] = time.perf_counter() - tic

    tic = time.perf_counter()
    outputs["conductivity_drift"], validity = _drift(kmc, si, temp, p["drift_field_ratio"],
                                                     field_direction(p))
    timings["drift"] = time.perf_counter() - tic
    if kind:
        tic = time.perf_counter()
        outputs["correlation_factor_one_vacancy"], check = _one_vacancy(
            kind, hop_distance(p), p, kmc.seed + 2)
        validity.append(check)
        timings["one_vacancy"] = time.perf_counter() - tic

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

    ds = _dataset(bout, si, temps, sig_t, sig_nom_t, rows, device, res, kmc.lattice.dim)
    ds.attrs["calculator"] = p["calculator"] if bout is not None else ""
    ds.attrs["neb_images"] = int(p["neb_images"])
    ds.attrs["barrier_source"] = "given" if p["barrier"] > 0 else "NEB"
    lat = kmc.lattice
    ds.attrs["lattice_kind"] = p["lattice"]
    ds.attrs["lattice"] = (f"{lat.name}: {lat.n_sites} sites, {kmc.n_carriers} Li, "
                           f"z={lat.coordination}, a={lat.hop_distance * 1e10:.4g} A")
    return Analysis(outputs=outputs, dataset=ds, validity=validity, notes=notes,
                    timings=timings)


def _dataset(bout: dict | None, si: dict, temps: np.ndarray, sig_t: np.ndarray,
             sig_nom_t: np.ndarray, rows: dict, device: Any, res: Any, dim: int) -> xr.Dataset:
    """Everything the figures draw (SI units), with the propagation's samples as ``uq.*``
    (the NEB profile only when the NEB ran)."""
    msd_attrs = {"units": "m**2", "dim": dim,
                 "uncorrelated_diffusivity": float(si["kmc.uncorrelated_diffusivity"]),
                 "collective_diffusivity": float(si["kmc.collective_diffusivity"]),
                 "concentration": float(si["kmc.concentration"])}
    data: dict[str, Any] = {} if bout is None else {
        "neb_reaction_coordinate": ("neb_image", np.asarray(bout["reaction_coordinate"]),
                                    {"units": "m"}),
        "neb_energy": ("neb_image", np.asarray(bout["energy_profile"]),
                       {"units": "J", "barrier_eV": float(bout["barrier"]) / _EV}),
    }
    data |= {
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
