"""Figures of the ``am-warpage`` case, from its ``result.nc``: deformed part, warpage
distribution, RVE and micro-stress, layer bounds."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from scaleweave.bridges.homogenization.moduli import bulk_modulus, young_modulus

__all__ = ["figures"]


def _rve_figure(ds: xr.Dataset) -> Figure:
    phases, track = ds["rve_phase"].values, ds["rve_track"].values
    pore_phase = int(ds["rve_phase"].attrs["pore_phase"])
    layer_angle = ds["rve_layer_angle"].values
    nx, ny, nz = phases.shape
    nl = nz // len(layer_angle)
    side = float(ds["rve_side"]) * 1e6  # um
    height = float(ds["rve_height"]) * 1e6
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.0), constrained_layout=True)
    for ax, layer in zip(axes[:2], (0, min(1, len(layer_angle) - 1)), strict=True):
        k = layer * nl + nl // 2
        pores = phases[:, :, k] == pore_phase
        img = np.ma.masked_where(pores, track[:, :, k] % 2)
        ax.imshow(img.T, origin="lower", cmap="Pastel1", extent=(0, side, 0, side),
                  vmin=0, vmax=8)
        if pores.any():
            ax.contourf(np.linspace(0, side, nx), np.linspace(0, side, ny),
                        pores.T.astype(float), levels=[0.5, 1.5], colors="k")
        ax.set_title(f"layer {layer + 1}: scan at {np.degrees(layer_angle[layer]):.0f} deg "
                     "(pores black)", fontsize=9)
        ax.set_xlabel("x (um)")
        ax.set_ylabel("y (um)")
    s = ds["free_stress_xx"].values[:, ny // 2, :] / 1e6
    lim = float(np.max(np.abs(s)))
    im = axes[2].imshow(s.T, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim,
                        extent=(0, side, 0, height), aspect="auto")
    fig.colorbar(im, ax=axes[2], label="sigma_xx (MPa)")
    axes[2].set_title("residual micro-stress of the free layer (x-z section)", fontsize=9)
    axes[2].set_xlabel("x (um)")
    axes[2].set_ylabel("z, build direction (um)")
    fig.suptitle(f"Layer RVE: {ds.attrs['strategy']} scan strategy, porosity "
                 f"{float(ds['rve_phase'].attrs['porosity']):.3f}")
    return fig


def _bounded(c: np.ndarray) -> list[float]:
    """The Loewner-monotone moduli the figure bounds: diagonal entries, E_x..E_z, K."""
    return ([float(c[i, i]) for i in range(6)]
            + [young_modulus(c, np.eye(3)[i]) for i in range(3)] + [bulk_modulus(c)])


def _bounds_figure(ds: xr.Dataset) -> Figure:
    c_eff, c_v, c_r = (ds[k].values for k in ("layer_stiffness", "voigt_stiffness",
                                               "reuss_stiffness"))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.0), constrained_layout=True,
                                   gridspec_kw={"width_ratios": [3, 2]})
    labels = [f"C{i}{i}" for i in range(1, 7)] + ["E_x", "E_y", "E_z", "K"]
    ce, cv, cr = (np.array(_bounded(c)) / 1e9 for c in (c_eff, c_v, c_r))
    x = np.arange(len(labels))
    ax1.vlines(x, cr, cv, color="0.6", lw=6, label="Reuss - Voigt bounds")
    ax1.plot(x, cv, "v", color="#d62728", label="Voigt")
    ax1.plot(x, cr, "^", color="#1f77b4", label="Reuss")
    ax1.plot(x, ce, "ko", label="FFT layer")
    # off-diagonal entries are not monotone in the Loewner order: no bounds to draw
    off = [(0, 1), (0, 2), (1, 2)]
    xo = len(labels) + 0.5 + np.arange(len(off))
    ax1.plot(xo, [c_v[i, j] / 1e9 for i, j in off], "v", mfc="none", color="#d62728",
             label="Voigt / Reuss entry (not a bound)")
    ax1.plot(xo, [c_r[i, j] / 1e9 for i, j in off], "^", mfc="none", color="#1f77b4")
    ax1.plot(xo, [c_eff[i, j] / 1e9 for i, j in off], "ko")
    ax1.axvline(len(labels) - 0.25, color="0.8", lw=1)
    ax1.set_xticks([*x, *xo], [*labels, *(f"C{i + 1}{j + 1}" for i, j in off)], fontsize=8)
    ax1.set_ylabel("stiffness, Mandel / modulus (GPa)")
    ax1.set_title("Layer moduli inside their bounds (Hill 1952); off-diagonal entries "
                  "unbounded", fontsize=10)
    ax1.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    xe = np.arange(3)
    ax2.bar(xe - 0.2, np.diag(ds["layer_eigenstrain"].values) * 1e3, 0.4,
            label="layer eps* (FFT, anisotropic tracks, pores)")
    ax2.bar(xe + 0.2, np.diag(ds["track_mean_eigenstrain"].values) * 1e3, 0.4,
            label="volume mean of the tracks")
    ax2.axhline(float(ds["track_eps_long"]) * 1e3, color="k", ls=":", lw=1,
                label="track eps_L")
    ax2.axhline(float(ds["track_eps_trans"]) * 1e3, color="k", ls="--", lw=1,
                label="track eps_T")
    ax2.set_xticks(xe, [f"eps*_{n}" for n in ("xx", "yy", "zz")])
    ax2.set_ylabel("eigenstrain (1e-3)")
    ax2.set_title("Layer eigenstrain", fontsize=10)
    ax2.legend(fontsize=8)
    return fig


def _part_figure(ds: xr.Dataset) -> Figure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True,
                                   gridspec_kw={"width_ratios": [2, 1]})
    nodes, u = ds["fe_nodes"].values, ds["fe_displacement"].values
    elements = ds["fe_elements"].values
    scale = 0.1 * float(ds["part_length"]) / max(float(np.abs(u[1]).max()), 1e-30)
    xy = nodes + scale * u
    z_if = ds["layer_interface"].values
    quads = np.moveaxis(xy[:, elements], 0, -1)  # (corner, element, 2)
    quads = np.swapaxes(quads, 0, 1)  # (element, corner, 2)
    layer = np.searchsorted(z_if, nodes[1, elements].mean(axis=0)) - 1
    mirrored = quads * np.array([-1.0, 1.0])  # the other half of the symmetric strip
    polys = np.concatenate([quads, mirrored]) * 1e3
    pc = PolyCollection(list(polys), array=np.concatenate([layer, layer]).astype(float),
                        cmap="viridis", edgecolors="face", linewidths=0.2)
    ax1.add_collection(pc)
    ax1.autoscale()
    ax1.set_aspect("auto")
    ax1.set_xlabel("x (mm)")
    ax1.set_ylabel(f"z (mm), displacement x{scale:.0f}")
    ax1.set_title(f"Deformed part (FE, layer by layer): edge deflection "
                  f"{float(ds['edge_deflection_fe']) * 1e3:.3f} mm", fontsize=10)
    fig.colorbar(pc, ax=ax1, label="layer (0: substrate)")
    plate, fe = ds["curvature_plate"].values, ds["curvature_fe"].values
    n = np.arange(1, plate.size + 1)
    ax2.plot(n, -plate, "o-", label="multilayer plate theory")
    ax2.plot(n, -fe, "x--", label="FE with element birth")
    ax2.set_xlabel("deposited layers")
    ax2.set_ylabel("-curvature (1/m)")
    ax2.set_title("Warpage grows layer by layer", fontsize=10)
    ax2.legend(fontsize=8)
    return fig


def _distribution_figure(ds: xr.Dataset) -> Figure:
    edge = ds["plate.edge_deflection"]
    y = edge.values * 1e3
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.0), constrained_layout=True)
    ax1.hist(y[np.isfinite(y)], bins=max(5, y.size // 4), color="#1f77b4", alpha=0.7)
    ax1.axvspan(edge.attrs["q025"] * 1e3, edge.attrs["q975"] * 1e3, color="orange",
                alpha=0.2, label="2.5-97.5 % of parts")
    ax1.axvline(edge.attrs["mean"] * 1e3, color="k", label="mean")
    ax1.axvline(float(ds["edge_deflection_plate"]) * 1e3, color="r", ls="--",
                label="nominal RVE")
    ax1.set_xlabel("edge deflection (mm)")
    ax1.set_ylabel("parts")
    ax1.set_title(f"Aleatory warpage distribution ({y.size} sampled microstructures)",
                  fontsize=10)
    ax1.legend(fontsize=8)
    ax2.plot(ds["layer.porosity_voxel"].values, y, "o")
    ax2.set_xlabel("porosity of the sampled RVE")
    ax2.set_ylabel("edge deflection (mm)")
    ax2.set_title("Part-to-part variation vs porosity", fontsize=10)
    return fig


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """Headline first: the deformed part; the distribution only when one was sampled."""
    out = {"part": _part_figure(ds)}
    if "plate.edge_deflection" in ds and "sample" in ds["plate.edge_deflection"].dims:
        out["warpage_distribution"] = _distribution_figure(ds)
    out["rve"] = _rve_figure(ds)
    out["layer_bounds"] = _bounds_figure(ds)
    return out
