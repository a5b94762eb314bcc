"""Figures of the ``qssa`` case, from its ``result.nc``: full vs reduced time courses."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["figures"]

_COLOURS = {"substrate": "#1f77b4", "complex": "#2ca02c", "product": "#d62728"}


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """Species against time, full network (solid) and QSSA (dashed); the difference."""
    if "product_full" not in ds:
        return {}
    t = ds["time"].values
    fig = Figure(figsize=(8.5, 4.0), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    for c, colour in _COLOURS.items():
        ax.plot(t, ds[f"{c}_full"].values * 1e3, color=colour, lw=2, label=f"{c}, full")
        ax.plot(t, ds[f"{c}_reduced"].values * 1e3, "--", color="k", lw=1)
    ax.plot([], [], "--", color="k", lw=1, label="QSSA (Michaelis-Menten)")
    ax.set_xlabel("time t (s)")
    ax.set_ylabel("concentration (umol/L)")
    ax.legend(fontsize=8)
    ax.set_title(f"E0 = {ds.attrs['e0'] * 1e3:.3g} umol/L, epsilon = {ds.attrs['epsilon']:.3g}")
    err = np.abs(ds["product_full"].values - ds["product_reduced"].values) / ds.attrs["s0"]
    ax2.plot(t, err, color="#d62728")
    ax2.axhline(ds.attrs["epsilon"], color="k", ls=":", label="epsilon")
    ax2.set_xlabel("time t (s)")
    ax2.set_ylabel("|P_full - P_reduced| / S0 (1)")
    ax2.legend(fontsize=8)
    ax2.set_title("error against the full network")
    return {"time_course": fig}
