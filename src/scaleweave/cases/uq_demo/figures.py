"""Figures of the ``uq-demo`` case, from its ``result.nc``: p-box, Sobol' bars, interval
map, distribution."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from scaleweave.uq.propagate import exceedance_bounds, pbox_bounds
from scaleweave.uq.sensitivity import SobolResult

__all__ = ["figures"]


def _pbox_figure(x_samples: xr.DataArray) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4.4), constrained_layout=True)
    y = x_samples.values
    t = float(x_samples.attrs["threshold"])
    grid = np.linspace(np.quantile(y, 0.0005), np.quantile(y, 0.9995), 500)
    if y.ndim == 2:
        for row in np.sort(y, axis=1)[:: max(1, len(y) // 12)]:
            ax.plot(grid, np.searchsorted(row, grid, side="right") / row.size, color="0.75",
                    lw=0.7)
    x, lower, upper = pbox_bounds(y, grid)
    ax.fill_between(x, lower, upper, color="#1f77b4", alpha=0.25, step="post",
                    label="p-box (all CDFs consistent with the epistemic inputs)")
    ax.step(x, lower, where="post", color="#1f77b4", lw=1.8, label="lower CDF")
    ax.step(x, upper, where="post", color="#d62728", lw=1.8, label="upper CDF")
    plo, phi = exceedance_bounds(y, t)
    ax.axvline(t, color="k", ls=":", lw=1)
    ax.annotate(f"P(X > {t:g}) in [{plo:.4f}, {phi:.4f}]", (t, 0.5), xytext=(8, 0),
                textcoords="offset points", fontsize=9)
    ax.set_xlabel("X = mu + Z")
    ax.set_ylabel("cumulative probability")
    ax.set_title("Aleatory inside epistemic: a p-box, not one distribution")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _interval_figure(ds: xr.Dataset) -> Figure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8), constrained_layout=True,
                                   gridspec_kw={"width_ratios": [3, 1]})
    a = ds["param.ob_a"].values if "param.ob_a" in ds else None
    b = ds["param.ob_b"].values if "param.ob_b" in ds else None
    y = ds["challenge.y"].values
    if a is not None and b is not None:
        sc = ax1.scatter(a, b, c=y, s=14, cmap="viridis")
        fig.colorbar(sc, ax=ax1, label="y = (a + b)^a")
        ax1.set_xlabel("a")
        ax1.set_ylabel("b")
    else:
        ax1.plot(a if a is not None else b, y, ".")
        ax1.set_xlabel("a" if a is not None else "b")
        ax1.set_ylabel("y")
    ax1.set_title("Samples of the interval box")
    lo, hi = ds["challenge.y"].attrs["lo"], ds["challenge.y"].attrs["hi"]
    ax2.errorbar([0], [(lo + hi) / 2], yerr=[[(hi - lo) / 2], [(hi - lo) / 2]], fmt="none",
                 capsize=12, lw=3, color="#2ca02c")
    ax2.set_xlim(-1, 1)
    ax2.set_xticks([])
    ax2.set_ylabel("y")
    ax2.set_title(f"interval [{lo:.5f}, {hi:.5f}]", fontsize=9)
    return fig


def _distribution_figure(y_samples: xr.DataArray) -> Figure:
    fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    y = y_samples.values.ravel()
    ax.hist(y, bins=80, density=True, color="#9ecae1", edgecolor="none")
    s = y_samples.attrs
    ax.axvline(s["mean"], color="k", lw=1.5, label=f"mean {s['mean']:.4f}")
    if "mean_lo" in s:
        ax.axvspan(s["mean_lo"], s["mean_hi"], color="k", alpha=0.2,
                   label="95% interval of the mean")
    ax.axvline(s["q025"], color="#d62728", ls="--", lw=1, label="95% prediction interval")
    ax.axvline(s["q975"], color="#d62728", ls="--", lw=1)
    ax.set_xlabel("y (Ishigami)")
    ax.set_ylabel("probability density")
    ax.legend(fontsize=8)
    ax.set_title("Aleatory inputs only: an ordinary distribution")
    return fig


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """The case's figures, headline first; a study that did not run has none."""
    out: dict[str, Figure] = {}
    if "tail.x" in ds:
        out["pbox"] = _pbox_figure(ds["tail.x"])
    if "S1" in ds:
        out["sobol"] = SobolResult.from_dataset(ds).figure("y")
    if "challenge.y" in ds and ds["challenge.y"].attrs.get("mode") == "interval":
        out["interval"] = _interval_figure(ds)
    if "macro.y" in ds and ds["macro.y"].attrs.get("mode") == "distribution":
        out["distribution"] = _distribution_figure(ds["macro.y"])
    return out
