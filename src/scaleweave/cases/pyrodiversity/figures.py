"""Figures of the ``pyrodiversity`` case, from its ``result.nc``: scale weights (headline),
the first landscape, the effects."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Circle

__all__ = ["figures"]


def _nearest_index(ds: xr.Dataset) -> int:
    scales = ds["scale"].values
    return int(np.argmin(np.abs(np.log(scales / float(ds.attrs["true_scale_m"])))))


def _weights(ds: xr.Dataset) -> Figure:
    scales, weights = ds["scale"].values, ds["scale_weight"].values
    true_scale = float(ds.attrs["true_scale_m"])
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    x = np.arange(scales.size)
    ax.plot(x, weights.T, color="0.6", lw=0.8, alpha=0.7)
    ax.bar(x, weights.mean(axis=0), color="tab:orange", alpha=0.7,
           label=f"mean over {weights.shape[0]} landscapes")
    ax.axvline(_nearest_index(ds), color="k", ls="--",
               label=f"true scale {true_scale:g} m (nearest candidate)")
    ax.set_xticks(x, [f"{s:.0f}" for s in scales])
    ax.set_xlabel("buffer radius of pyrodiversity (m)")
    ax.set_ylabel("posterior probability of the scale")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.set_title("Which spatial scale matters (grey: each landscape)")
    return fig


def _landscape(ds: xr.Dataset) -> Figure:
    scales = ds["scale"].values
    cell, true_scale = float(ds.attrs["cell_size_m"]), float(ds.attrs["true_scale_m"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    n = ds.sizes["x"]
    extent = (0, n * cell / 1000, 0, n * cell / 1000)
    im = axes[0].imshow(ds["fire_class"].values.T, origin="lower", cmap="tab10",
                        extent=extent, interpolation="nearest")
    fig.colorbar(im, ax=axes[0], label="fire class (0 unburned; severity x age)")
    sx = (ds["site_x"].values + 0.5) * cell / 1000
    sy = (ds["site_y"].values + 0.5) * cell / 1000
    axes[0].plot(sx, sy, "k.", ms=3)
    for xi, yi in list(zip(sx, sy, strict=True))[:3]:
        axes[0].add_patch(Circle((xi, yi), true_scale / 1000, fill=False, ec="w"))
    axes[0].set_xlabel("x (km)")
    axes[0].set_ylabel("y (km)")
    axes[0].set_title("fire history, sites, true-scale buffers")
    k = _nearest_index(ds)
    im = axes[1].imshow(ds["pyrodiversity"].values[k].T, origin="lower", cmap="viridis",
                        extent=extent)
    fig.colorbar(im, ax=axes[1], label="Shannon diversity of fire classes (nats)")
    axes[1].set_xlabel("x (km)")
    axes[1].set_title(f"pyrodiversity at {scales[k]:.0f} m")
    fig.tight_layout()
    return fig


def _effects(ds: xr.Dataset) -> Figure:
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    mean, lo, hi = (ds[v].values for v in ("effect_mean", "effect_lo", "effect_hi"))
    r = np.arange(mean.size)
    ax.errorbar(r, mean, yerr=[mean - lo, hi - mean], fmt="o", color="tab:blue",
                label="with environment (95% CI)")
    m, a, b = np.asarray(ds.attrs["effect_without_env"], dtype=float).ravel()
    ax.errorbar([-1], [m], yerr=[[m - a], [b - m]], fmt="s", color="tab:red",
                label="landscape 0 without environment")
    ax.axhline(float(ds.attrs["effect_true"]), color="k", ls="--",
               label="true community effect")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set_xlabel("replicate landscape")
    ax.set_ylabel("pyrodiversity effect (logit per SD)")
    ax.legend(fontsize=8)
    ax.set_title("Effect of pyrodiversity on occupancy")
    return fig


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """Headline first: posterior weight of each candidate scale."""
    return {"scale_weights": _weights(ds), "landscape": _landscape(ds),
            "effects": _effects(ds)}
