"""Figures of the ``ecology-scaling`` case, from its ``result.nc``: detection-corrected
occupancy and the species-area fit across grains."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["figures"]


def _flat(da: xr.DataArray) -> np.ndarray:
    """Posterior draws with chains flattened: shape (chains * draws, ...)."""
    a = np.asarray(da.values)
    return a.reshape(-1, *a.shape[2:])


def _occupancy(ds: xr.Dataset) -> Figure:
    psi_hat, naive = ds["psi_hat"].values, ds["naive"].values
    psi, naive_expected = float(ds.attrs["psi"]), float(ds.attrs["naive_expected"])
    fig, ax = plt.subplots(figsize=(7, 4.2), constrained_layout=True)
    bins = np.linspace(0.3, 1.0, 50)
    ax.hist(naive, bins=bins, color="#d62728", alpha=0.6,
            label="naive: share of sites with a detection")
    ax.hist(psi_hat, bins=bins, color="#1f77b4", alpha=0.6,
            label="detection-corrected psi-hat (MLE)")
    ax.axvline(psi, color="k", lw=1.5, label=f"true psi = {psi:g}")
    ax.axvline(naive_expected, color="#d62728", ls="--", lw=1.2,
               label=f"psi [1 - (1 - p)^K] = {naive_expected:.3f}")
    ax.axvline(float(np.mean(psi_hat)), color="#1f77b4", ls=":", lw=1.5,
               label=f"mean psi-hat = {np.mean(psi_hat):.4f}")
    ax.set_xlabel("occupancy estimate (fraction of sites)")
    ax.set_ylabel("seeded surveys")
    ax.set_title(f"Imperfect detection: {psi_hat.size} surveys (MacKenzie et al. 2002)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _scaling(ds: xr.Dataset) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4.4), constrained_layout=True)
    s, x, areas = ds["richness"].values, ds["gradient"].values, ds["area"].values
    log_ref = float(ds.attrs["log_area_ref"])
    cmap = plt.get_cmap("viridis")
    xn = (x - x.min()) / max(np.ptp(x), 1e-12)
    jitter = np.exp(0.04 * (xn - 0.5))
    ax.scatter((areas[None, :] * jitter[:, None]).ravel(), np.maximum(s, 0.5).ravel(), s=9,
               c=np.repeat(xn, areas.size), cmap=cmap, vmin=0.0, vmax=1.0, alpha=0.5,
               edgecolors="none")
    beta, mu = _flat(ds["sar_beta"]), _flat(ds["sar_mu"])
    grid = np.geomspace(areas[0], areas[-1], 50)
    for xv, label in ((x.min(), "low end of gradient"), (0.0, "gradient mean"),
                      (x.max(), "high end of gradient")):
        curves = np.exp(mu[:, None] + beta[:, :1] * xv
                        + beta[:, 1:2] * (np.log(grid)[None] - log_ref))
        lo, med, hi = np.quantile(curves, [0.025, 0.5, 0.975], axis=0)
        c = cmap((xv - x.min()) / max(np.ptp(x), 1e-12))
        ax.fill_between(grid, lo, hi, color=c, alpha=0.25)
        ax.plot(grid, med, color=c, lw=1.8, label=f"fit, {label}")
    z = beta[:, 1]
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("quadrat area A (m^2)")
    ax.set_ylabel("species richness S")
    ax.set_title(f"S = c exp(b x) A^z from all grains: z = {z.mean():.3f} "
                 f"[{np.quantile(z, 0.025):.3f}, {np.quantile(z, 0.975):.3f}]", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """Occupancy (headline) and the species-area fit across grains."""
    return {"occupancy": _occupancy(ds), "species_area": _scaling(ds)}
