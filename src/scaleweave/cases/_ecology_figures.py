"""Figures of the ``ecology-scaling`` case: detection-corrected occupancy and the scaling fit."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["figures"]


def _occupancy(est: dict, psi: float, naive_expected: float) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4.2), constrained_layout=True)
    bins = np.linspace(0.3, 1.0, 50)
    ax.hist(est["naive"], bins=bins, color="#d62728", alpha=0.6,
            label="naive: share of sites with a detection")
    ax.hist(est["psi"], bins=bins, color="#1f77b4", alpha=0.6,
            label="detection-corrected psi-hat (MLE)")
    ax.axvline(psi, color="k", lw=1.5, label=f"true psi = {psi:g}")
    ax.axvline(naive_expected, color="#d62728", ls="--", lw=1.2,
               label=f"psi [1 - (1 - p)^K] = {naive_expected:.3f}")
    ax.axvline(float(np.mean(est["psi"])), color="#1f77b4", ls=":", lw=1.5,
               label=f"mean psi-hat = {np.mean(est['psi']):.4f}")
    ax.set_xlabel("occupancy estimate (fraction of sites)")
    ax.set_ylabel("seeded surveys")
    ax.set_title(f"Imperfect detection: {est['psi'].size} surveys (MacKenzie et al. 2002)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _scaling(sim: dict, areas: np.ndarray, fit: Any, log_ref: float) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4.4), constrained_layout=True)
    s, x = sim["S"], sim["x"]
    cmap = plt.get_cmap("viridis")
    xn = (x - x.min()) / max(np.ptp(x), 1e-12)
    jitter = np.exp(0.04 * (xn - 0.5))
    for i in range(s.shape[0]):
        ax.plot(areas * jitter[i], np.maximum(s[i], 0.5), ".", ms=3, color=cmap(xn[i]),
                alpha=0.5)
    beta = fit.draws("beta")
    mu = fit.draws("mu")
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


def figures(est: dict, psi: float, naive_expected: float, sim: dict, areas: np.ndarray,
            fit: Any, log_ref: float) -> dict[str, Figure]:
    """Occupancy (headline) and the species-area fit across grains."""
    return {"occupancy": _occupancy(est, psi, naive_expected),
            "species_area": _scaling(sim, areas, fit, log_ref)}
