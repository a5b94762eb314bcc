"""Figures of the ``composite`` case, from its ``result.nc``: the effective properties
against their bounds over the fraction, and the cell with its local flux."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["figures"]


_EXACT = {"laminate": "laminate", "cylinders": "multipole", "checkerboard": "exact",
          "random": "exact"}


def _bounds_panel(ax, ds: xr.Dataset, key: str, scale: float, color: str, label: str,
                  exact: str | None, hs_note: str = "") -> None:
    fc = ds["curve_fraction"].values
    lo, hi = (ds[f"curve_{key}_vr_{e}"].values * scale for e in ("lower", "upper"))
    ax.fill_between(fc, lo, hi, color=color, alpha=0.15, label=f"{label}: Reuss - Voigt")
    for end, ls in (("lower", "--"), ("upper", ":")):
        ax.plot(fc, ds[f"curve_{key}_hs_{end}"].values * scale, ls, color=color, lw=1,
                label=f"{label}: HS {end}{hs_note}")
    if exact is not None and np.isfinite(ds[exact].values).any():
        ax.plot(fc, ds[exact].values * scale, "-", color=color, lw=1.5,
                label=f"{label}: {_EXACT[ds.attrs['microstructure']]}")


def _properties_figure(ds: xr.Dataset) -> Figure:
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True,
                                        gridspec_kw={"width_ratios": [1, 1.3, 1.3]})
    kind, d, n = ds.attrs["microstructure"], int(ds.attrs["dim"]), int(ds.attrs["resolution"])
    f = float(ds["fraction_pixels"])
    ax0.imshow(ds["phase"].values.T, origin="lower", cmap="Greys", extent=(0, 1, 0, 1),
               vmin=0, vmax=1.6)
    ax0.set_xlabel("x (cell sides)")
    ax0.set_ylabel("y (cell sides)")
    ax0.set_title(f"{kind}, f = {f:.3f} ({n}^{d} {'pixels' if d == 2 else 'voxels, z mid'})",
                  fontsize=9)

    _bounds_panel(ax1, ds, "k", 1.0, "#1f77b4", "k*", "curve_k_exact")
    k = ds["conductivity_tensor"].values
    for i, (marker, name) in enumerate(list(zip("s^D", ("xx", "yy", "zz"), strict=True))[:d]):
        ax1.plot(f, k[i, i], marker, color="k", mfc="none", label=f"FFT k*_{name}")
    ax1.plot(f, np.trace(k) / d, "ko", label="FFT tr(k*)/d")
    if kind == "checkerboard" and d == 2:
        k1, k2 = ds.attrs["conductivity_matrix"], ds.attrs["conductivity_inclusion"]
        ax1.plot(0.5, np.sqrt(k1 * k2), "r*", ms=10, label="Dykhne sqrt(k1 k2)")
    ax1.set_xlabel("inclusion fraction f")
    ax1.set_ylabel("conductivity (W/(m K))")
    ax1.set_title("Conductivity inside its bounds", fontsize=10)
    ax1.legend(fontsize=6.5)

    for key, color, idx in (("bulk", "#2ca02c", 0), ("shear", "#d62728", 1)):
        _bounds_panel(ax2, ds, key, 1e-9, color, key, f"curve_{key}_exact",
                      "" if kind == "random" else " (isotropic only)")
        ax2.plot(f, float(ds["stiffness_moduli"].values[idx]) / 1e9, "o", color=color,
                 mec="k", label=f"FFT {key}")
    ax2.set_xlabel("inclusion fraction f")
    ax2.set_ylabel("modulus (GPa)" + (" (2D: plane-strain area bulk)" if d == 2 else ""))
    ax2.set_title("Bulk and shear moduli inside their bounds", fontsize=10)
    ax2.legend(fontsize=6.5)
    return fig


def _flux_figure(ds: xr.Dataset) -> Figure:
    fig, ax = plt.subplots(figsize=(5.5, 4.5), constrained_layout=True)
    q = ds["flux_x"].values
    im = ax.imshow(q.T, origin="lower", cmap="inferno", extent=(0, 1, 0, 1))
    ax.contour(ds["x"].values, ds["y"].values, ds["phase"].values.T, levels=[0.5],
               colors="w", linewidths=0.6)
    fig.colorbar(im, ax=ax, label="local flux q_x (W/m^2 per K/m)")
    ax.set_xlabel("x (cell sides)")
    ax.set_ylabel("y (cell sides)")
    ax.set_title("Local flux under a unit gradient along x", fontsize=10)
    return fig


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """Headline first: the effective properties against their bounds."""
    return {"properties": _properties_figure(ds), "flux": _flux_figure(ds)}
