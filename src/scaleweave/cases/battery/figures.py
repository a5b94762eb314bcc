"""Figures of the ``battery`` case, from its ``result.nc``: cell voltage bands, NEB
profile, kMC MSD, Arrhenius plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from scaleweave.cases.battery.study import rate_label
from scaleweave.core.constants import ELECTRON_VOLT as _EV

__all__ = ["figures"]

_AH = 3600.0  # coulomb per ampere-hour


def _neb_figure(ds: xr.Dataset) -> Figure:
    x = ds["neb_reaction_coordinate"].values * 1e10
    e = ds["neb_energy"].values / _EV
    ea = float(ds["neb_energy"].attrs["barrier_eV"])
    calc = str(ds.attrs.get("calculator", ""))
    fig, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    ax.plot(x, e, "o-", color="C0", label=f"NEB images ({calc})")
    top = int(np.argmax(e))
    ax.annotate(f"Ea = {ea:.3f} eV", (x[top], e[top]), textcoords="offset points",
                xytext=(8, -14))
    if calc == "chgnet":
        ax.axhline(0.27, color="0.4", ls="--", lw=1,
                   label="DFT 0.27 eV (Morgan et al. 2004)")
    ax.set_xlabel("reaction coordinate (Angstrom)")
    ax.set_ylabel("energy relative to the initial state (eV)")
    ax.set_title("Hop barrier along the NEB path", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def _msd_figure(ds: xr.Dataset) -> Figure:
    s = ds["kmc_msd"].attrs
    t = ds["kmc_time"].values[1:]
    msd = ds["kmc_msd"].values[1:] * 1e20
    err = ds["kmc_msd_err"].values[1:] * 1e20
    dim, d0, d_sig = int(s["dim"]), float(s["uncorrelated_diffusivity"]), float(
        s["collective_diffusivity"])
    crystal = str(ds.attrs.get("lattice_kind", "crystal")) == "crystal"
    fig, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    lo = np.maximum(msd - 1.96 * err, msd * 0.05)  # log axis: clip the band's lower edge
    ax.fill_between(t, lo, msd + 1.96 * err, color="C0", alpha=0.25, lw=0)
    ax.loglog(t, msd, color="C0", label="tracer MSD (kMC, 95% band over replicas)")
    # straight lines <r^2> = 2 d D t in the kMC's (trace/d) convention
    ax.loglog(t, 2 * dim * d0 * t * 1e20, "k:", lw=1, label=f"lone Li: {2 * dim} D0 t")
    ax.loglog(t, 2 * dim * d_sig * t * 1e20, "C2-.", lw=1,
              label=f"collective: {2 * dim} D_sigma t (enters Nernst-Einstein)")
    half = (t >= t[len(t) // 4]) & (msd > 0)
    if half.sum() >= 2:
        slope, icpt = np.polyfit(np.log(t[half]), np.log(msd[half]), 1)
        note = (" (single file in an open channel: 1/2; a finite ring turns linear)" if crystal
                else "")
        ax.loglog(t[half], np.exp(icpt) * t[half] ** slope, "C3--",
                  label=f"fit A t^alpha, late half: alpha = {slope:.2f}{note}")
    ax.set_xlabel("time at the nominal hop rate (s)")
    ax.set_ylabel("mean-square displacement (Angstrom^2)")
    where = "the Li channels" if crystal else f"the {ds.attrs.get('lattice_kind')} lattice"
    ax.set_title(f"kMC on {where} (c = {float(s['concentration']):.2f}): "
                 f"D_sigma = {d_sig:.3g} m^2/s", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def _arrhenius_figure(ds: xr.Dataset) -> Figure:
    x = 1000.0 / ds["arrhenius_temperature"].values
    fig, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    ax.fill_between(x, ds["conductivity_lo"].values, ds["conductivity_hi"].values, color="C1",
                    alpha=0.3, lw=0, label="95% band (barrier offset, prefactor)")
    source = str(ds.attrs.get("barrier_source", "NEB"))
    ax.semilogy(x, ds["conductivity_nominal"].values, color="C1",
                label=f"Nernst-Einstein, {source} barrier")
    ax.set_xlabel("1000 / T (1/K)")
    dim = int(ds["kmc_msd"].attrs.get("dim", 3))
    ax.set_ylabel(f"Li conductivity, trace/{dim} (S/m)")
    kind = str(ds.attrs.get("lattice_kind", "crystal"))
    on = "ideal crystal" if kind == "crystal" else f"kMC on the {kind} lattice"
    fig.suptitle(f"Li conductivity of LiFePO4 vs temperature ({on})", fontsize=10)
    top = ax.secondary_xaxis("top", functions=(lambda v: 1000.0 / np.maximum(v, 1e-9),
                                               lambda v: 1000.0 / np.maximum(v, 1e-9)))
    top.set_xlabel("T (K)")
    ax.legend(fontsize=8)
    return fig


def _voltage_figure(ds: xr.Dataset) -> Figure:
    frac = ds["capacity_fraction"].values
    labels = [rate_label(float(c)) for c in ds["c_rate"].values]
    fig, ax = plt.subplots(figsize=(5.5, 4.6), layout="constrained")
    nominal_cap = ds["capacity_nominal"].values / _AH
    nominal_curve = ds["voltage_curve_nominal"].values
    sampled = "voltage_curve" in ds and "capacity_samples" in ds
    for j, lab in enumerate(labels):
        if sampled:
            curves = ds["voltage_curve"].values[:, j]
            cj = ds["capacity_samples"].values[:, j] / _AH
            ok = np.isfinite(cj)
            for i in np.flatnonzero(ok)[:60]:  # the sampled curves (a band of curves)
                ax.plot(frac * cj[i], curves[i], color=f"C{j}", alpha=0.12, lw=0.8)
            lo, mid, hi = np.quantile(cj[ok], [0.025, 0.5, 0.975])
            v_end = float(np.median(curves[ok, -1]))
            ax.errorbar([mid], [v_end - 0.05 * (j + 1)], xerr=[[mid - lo], [hi - mid]],
                        fmt="s", color=f"C{j}", capsize=4, ms=4,
                        label=f"{lab} capacity: 95% interval {lo:.2f}-{hi:.2f} A h")
        ax.plot(frac * nominal_cap[j], nominal_curve[j], color=f"C{j}", lw=2,
                label=f"{lab} at the nominal inputs: {nominal_cap[j]:.2f} A h")
    ax.set_xlabel("discharged capacity (A h)")
    ax.set_ylabel("cell voltage (V)")
    ax.set_title("PyBaMM SPMe, Prada2013 LFP/graphite: sampled curves over the epistemic "
                 "inputs", fontsize=8)
    fig.legend(loc="outside lower center", ncols=2, fontsize=7)
    return fig


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """The case's figures, headline (device voltage curves with bands) first."""
    figs = {"voltage_curves": _voltage_figure(ds)}
    if "neb_energy" in ds:  # no NEB when the barrier and the attempt frequency are given
        figs["neb_profile"] = _neb_figure(ds)
    return figs | {"kmc_msd": _msd_figure(ds), "conductivity_arrhenius": _arrhenius_figure(ds)}
