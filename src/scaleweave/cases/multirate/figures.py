"""Figures of the ``multirate`` case, from its ``result.nc`` (matplotlib, Agg)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["figures"]


def _shade_stiff(ax, stiff: slice) -> None:
    if stiff.stop > stiff.start:
        # Springs start..stop-1 join masses start-1..stop-1.
        ax.axvspan(stiff.start - 1, stiff.stop - 1, color="#f4a261", alpha=0.25, lw=0,
                   label="stiff block")


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """Build the case's figures; the first is the headline."""
    out: dict[str, Figure] = {}
    a = ds.attrs
    stiff = slice(int(a["stiff_first_spring"]), int(a["stiff_last_spring"]) + 1)
    macro_dt, substeps, dt_crit = float(a["macro_dt_s"]), int(a["substeps"]), float(a["dt_crit_s"])
    t_end, growth_per_step = float(a["t_end_s"]), float(a["growth_per_step_exact"])
    energy_single_rate = ds["energy_single_rate"].values
    i = ds["mass_index"].values

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6.2), constrained_layout=True)
    _shade_stiff(ax1, stiff)
    ax1.plot(i, ds["x_initial"], color="0.7", lw=1, label="initial pulse")
    ax1.plot(i, ds["x_exact"], color="k", lw=2.2, label="exact (normal modes)")
    ax1.plot(i, ds["x_multirate"], "--", color="#1f77b4", lw=1.6,
             label=f"multi-rate H = {macro_dt:g} s ({macro_dt / dt_crit:.1f} dt_crit), "
                   f"{substeps} substeps")
    ax1.plot(i, ds["x_single_rate"], ":", color="#d62728", lw=1.6,
             label=f"single-rate dt = {ds.attrs['single_rate_dt_s']:.3g} s")
    ax1.set_xlabel("mass index")
    ax1.set_ylabel("displacement x [m]")
    ax1.set_title(f"Chain at t = {t_end:g} s")
    ax1.legend(fontsize=8, loc="upper right")
    e = ds["energy_multirate"].values
    ax2.plot(ds["time"], e / e[0] - 1.0, color="#1f77b4", label="multi-rate")
    ax2.plot(ds["time_single_rate"], energy_single_rate / energy_single_rate[0] - 1.0,
             color="#d62728",
             alpha=0.8, label="single-rate")
    if "energy_error_bound" in a:
        bound = float(a["energy_error_bound"])
        ax2.axhline(-bound, color="k", ls="--", lw=1,
                    label=f"bound of the multi-rate scheme, +-{bound:.3g}")
        ax2.axhline(bound, color="k", ls="--", lw=1)
    ax2.set_xlabel("time t [s]")
    ax2.set_ylabel("relative energy error E/E0 - 1")
    ax2.legend(fontsize=8)
    out["chain"] = fig

    fig, ax = plt.subplots(figsize=(5.5, 4.2), constrained_layout=True)
    h = ds["macro_dt"].values
    err = ds["error_vs_macro_dt"].values
    ax.loglog(h, err, "o-", color="#1f77b4", label="multi-rate")
    ax.loglog(h, err[0] * (h / h[0]) ** 2, "k--", lw=1, label="slope 2")
    ax.set_xlabel("macro step H [s]")
    ax.set_ylabel("||x - x_exact|| / ||x0||")
    ax.set_title("Second-order convergence")
    ax.legend()
    out["convergence"] = fig

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8), constrained_layout=True)
    eb = ds["energy_below_dt_crit"].values
    ea = ds["energy_above_dt_crit"].values
    ax1.plot(np.arange(eb.size), eb / eb[0], color="#1f77b4")
    ax1.set_ylim(0.0, max(1.5, 1.1 * float(np.max(eb / eb[0]))))
    ax1.set_xlabel("step")
    ax1.set_ylabel("E / E0")
    ax1.set_title("dt = 0.98 dt_crit: bounded", fontsize=10)
    steps = np.arange(ea.size)
    ax2.semilogy(steps, ea / ea[0], color="#d62728", label="measured")
    ax2.semilogy(steps, growth_per_step ** steps * ea[-1] / ea[0] / growth_per_step ** steps[-1],
                 "k--", lw=1, label=f"|lambda|^2n, |lambda|^2 = {growth_per_step:.4g}")
    ax2.set_xlabel("step")
    ax2.set_ylabel("E / E0")
    ax2.set_title("dt = 1.02 dt_crit: exponential growth", fontsize=10)
    ax2.legend(fontsize=8)
    fig.suptitle(f"Single-rate Verlet around dt_crit = 2/omega_max = {dt_crit:.4g} s")
    out["stability"] = fig
    return out
