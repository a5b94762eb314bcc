"""Figures of the ``infection`` case (matplotlib, Agg), from ``result.nc`` alone."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["figures"]

_COLORS = {"protected": "#1f77b4", "unprotected": "#d62728"}


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """The case's figures; the first (infected fraction with bands) is the headline."""
    out: dict[str, Figure] = {}
    a = ds.attrs
    k_est, n_est = int(a["establishment_threshold"]), int(a["establishment_runs"])
    t_h = ds["time"].values / 3600.0

    fig, ax = plt.subplots(figsize=(7.5, 4.5), constrained_layout=True)
    for arm, color in _COLORS.items():
        q = ds[f"infected_quantiles_{arm}"].values
        label = "with interferon" if arm == "protected" else "without interferon"
        ax.fill_between(t_h, q[0], q[4], color=color, alpha=0.15, lw=0,
                        label=f"{label}: 5-95%")
        ax.fill_between(t_h, q[1], q[3], color=color, alpha=0.3, lw=0, label="25-75%")
        ax.plot(t_h, ds[f"infected_fraction_{arm}"].mean("replica"), color=color, lw=2,
                label=f"{label}: mean")
    ax.set_xlabel("time (h)")
    ax.set_ylabel("infected fraction of cells (1)")
    ax.set_title(f"Infected fraction over {ds.sizes['replica']} coupled runs per arm")
    ax.legend(fontsize=8, loc="upper left")
    out["infected_fraction"] = fig

    fig, ax = plt.subplots(figsize=(6.5, 4.2), constrained_layout=True)
    names = ["no protection\n(establishment runs)", "coupled, with\ninterferon",
             "coupled, without\ninterferon"]
    keys = ("p_establishment", "takeoff_protected", "takeoff_unprotected")
    vals = [float(a[k]) for k in keys]
    lo = [float(a[f"{k}_lo"]) for k in keys]
    hi = [float(a[f"{k}_hi"]) for k in keys]
    x = np.arange(3)
    ax.bar(x, vals, color=["0.6", _COLORS["protected"], _COLORS["unprotected"]], alpha=0.8)
    err = np.clip([np.subtract(vals, lo), np.subtract(hi, vals)], 0.0, None)
    ax.errorbar(x, vals, yerr=err, fmt="none",
                ecolor="k", capsize=5, label="Wilson 95% interval")
    ax.axhline(float(a["p_exact"]), color="k", ls="-", lw=1.2,
               label=f"exact P(>= {k_est} ever infected), no protection")
    ax.axhline(float(a["p_branching"]), color="k", ls=":", lw=1.2,
               label="branching process never dies out")
    ax.set_xticks(x, names)
    ax.set_ylabel(f"P(>= {k_est} cells infected) (1)")
    ax.set_ylim(0, 1)
    ax.set_title(f"Establishment of the infection ({n_est} runs without protection)")
    ax.legend(fontsize=8)
    out["establishment"] = fig

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), constrained_layout=True)
    r_um = ds["r_cells"].values * 1e6
    dim = int(a.get("field_dimension", 2))
    to_um, unit = (1e-18, "1/um^3") if dim == 3 else (1e-12, "1/um^2")
    ax1.semilogy(r_um, ds["ifn_profile"] * to_um, "o", color=_COLORS["protected"],
                 label="implicit reaction-diffusion (steady)")
    ax1.semilogy(r_um[1:], ds["ifn_profile_exact"][1:] * to_um, "k-", lw=1.2,
                 label="q exp(-r/lambda)/(4 pi D r) + images" if dim == 3
                 else "q K0(r/lambda) / (2 pi D)")
    ax1.set_xlabel("distance from the producing cell (um)")
    ax1.set_ylabel(f"interferon density ({unit})")
    ax1.set_title("Cytokine around one producing cell")
    ax1.legend(fontsize=8)
    frac = ds["infected_fraction_protected"].values[-1]
    k = int(np.argmax(frac))
    extent = [0, float(ds["x"].values[-1] * 1e6 + ds["x"].values[0] * 1e6), 0,
              float(ds["y"].values[-1] * 1e6 + ds["y"].values[0] * 1e6)]
    im = ax2.imshow(ds["ifn_final"].values[k] * to_um, origin="lower", extent=extent,
                    cmap="viridis")
    state = ds["state_final"].values[k]
    yy, xx = np.nonzero(state == 2)
    h = float(ds["x"].values[1] - ds["x"].values[0]) * 1e6
    ax2.plot((xx + 0.5) * h, (yy + 0.5) * h, "r.", ms=3, label="producing cells")
    yy, xx = np.nonzero(state == 4)
    ax2.plot((xx + 0.5) * h, (yy + 0.5) * h, "w.", ms=1.5, alpha=0.6, label="protected cells")
    fig.colorbar(im, ax=ax2, label=f"interferon at t_end ({unit}"
                                   f"{', floor layer' if dim == 3 else ''})")
    ax2.set_xlabel("x (um)")
    ax2.set_ylabel("y (um)")
    ax2.set_title(f"Sheet at t_end (run {k}, with interferon)")
    ax2.legend(fontsize=7, loc="upper right")
    out["cytokine"] = fig
    return out
