"""Figures of the ``am-warpage`` case: RVE and stress, bounds, deformed part, distribution."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

__all__ = ["figures"]


def _rve_figure(nominal: dict[str, Any], p: Any) -> Figure:
    rve, res = nominal["rve"], nominal["result"]
    nx, ny, nz = rve.phases.shape
    nl = nz // len(rve.layer_angle)
    side = p["track_width"] * p["tracks_per_cell"] * 1e6  # um
    height = p["layer_thickness_rve"] * len(rve.layer_angle) * 1e6
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.0), constrained_layout=True)
    for ax, layer in zip(axes[:2], (0, min(1, len(rve.layer_angle) - 1)), strict=True):
        k = layer * nl + nl // 2
        img = np.ma.masked_where(rve.phases[:, :, k] == rve.pore_phase, rve.track[:, :, k] % 2)
        ax.imshow(img.T, origin="lower", cmap="Pastel1", extent=(0, side, 0, side),
                  vmin=0, vmax=8)
        pores = rve.phases[:, :, k] == rve.pore_phase
        if pores.any():
            ax.contourf(np.linspace(0, side, nx), np.linspace(0, side, ny),
                        pores.T.astype(float), levels=[0.5, 1.5], colors="k")
        ax.set_title(f"layer {layer + 1}: scan at {np.degrees(rve.layer_angle[layer]):.0f} deg "
                     "(pores black)", fontsize=9)
        ax.set_xlabel("x (um)")
        ax.set_ylabel("y (um)")
    # residual micro-stress of the free layer: macroscopic strain E = eps* (mean stress
    # zero), by superposition of the unit-strain loads and the eigenstrain load
    from scaleweave.engines.continuum.fft_homogenization import mandel_basis

    e_m = np.einsum("mij,ij->m", mandel_basis(3), res.effective_eigenstrain)
    free = res.fluxes[-1] + np.einsum("m,m...->...", e_m, res.fluxes[:-1])
    s = free[0, 0, :, ny // 2, :] / 1e6
    lim = float(np.max(np.abs(s)))
    im = axes[2].imshow(s.T, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim,
                        extent=(0, side, 0, height), aspect="auto")
    fig.colorbar(im, ax=axes[2], label="sigma_xx (MPa)")
    axes[2].set_title("residual micro-stress of the free layer (x-z section)", fontsize=9)
    axes[2].set_xlabel("x (um)")
    axes[2].set_ylabel("z, build direction (um)")
    fig.suptitle(f"Layer RVE: {p['strategy']} scan strategy, porosity {rve.porosity:.3f}")
    return fig


def _bounds_figure(c_eff: np.ndarray, c_v: np.ndarray, c_r: np.ndarray, eps_eff: np.ndarray,
                   mean_eig: np.ndarray, p: Any) -> Figure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.0), constrained_layout=True)
    comps = [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (3, 3), (4, 4), (5, 5)]
    labels = [f"C{i + 1}{j + 1}" for i, j in comps]
    x = np.arange(len(comps))
    ce = np.array([c_eff[i, j] for i, j in comps]) / 1e9
    cv = np.array([c_v[i, j] for i, j in comps]) / 1e9
    cr = np.array([c_r[i, j] for i, j in comps]) / 1e9
    ax1.vlines(x, np.minimum(cr, cv), np.maximum(cr, cv), color="0.6", lw=6,
               label="Reuss - Voigt range")
    ax1.plot(x, cv, "v", color="#d62728", label="Voigt")
    ax1.plot(x, cr, "^", color="#1f77b4", label="Reuss")
    ax1.plot(x, ce, "ko", label="FFT layer")
    ax1.set_xticks(x, labels)
    ax1.set_ylabel("stiffness, Mandel (GPa)")
    ax1.set_title("Layer stiffness inside its bounds (Hill 1952)", fontsize=10)
    ax1.legend(fontsize=8)
    names = ["xx", "yy", "zz"]
    xe = np.arange(3)
    ax2.bar(xe - 0.2, np.diag(eps_eff) * 1e3, 0.4, label="layer eps* (FFT, anisotropic "
            "tracks, pores)")
    ax2.bar(xe + 0.2, np.diag(mean_eig) * 1e3, 0.4, label="volume mean of the tracks")
    ax2.axhline(p["eps_long"] * 1e3, color="k", ls=":", lw=1, label="track eps_L")
    ax2.axhline(p["eps_trans"] * 1e3, color="k", ls="--", lw=1, label="track eps_T")
    ax2.set_xticks(xe, [f"eps*_{n}" for n in names])
    ax2.set_ylabel("eigenstrain (1e-3)")
    ax2.set_title("Layer eigenstrain", fontsize=10)
    ax2.legend(fontsize=8)
    return fig


def _part_figure(fe: Any, plate: Any, p: Any) -> Figure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True,
                                   gridspec_kw={"width_ratios": [2, 1]})
    u = fe.displacement
    scale = 0.1 * p["length"] / max(float(np.abs(u[1]).max()), 1e-30)
    xy = fe.nodes + scale * u
    polys = []
    layer_val = []
    z_if = np.concatenate([[0.0], p["substrate_thickness"] + p["deposit_layer_thickness"]
                           * np.arange(int(p["deposit_layers"]) + 1)])
    for side in (1.0, -1.0):  # mirror the half model
        for el in fe.elements.T:
            q = xy[:, el].T.copy()
            q[:, 0] *= side
            polys.append(q * 1e3)
            zc = fe.nodes[1, el].mean()
            layer_val.append(np.searchsorted(z_if, zc) - 1)
    pc = PolyCollection(polys, array=np.asarray(layer_val, float), cmap="viridis",
                        edgecolors="face", linewidths=0.2)
    ax1.add_collection(pc)
    ax1.autoscale()
    ax1.set_aspect("auto")
    ax1.set_xlabel("x (mm)")
    ax1.set_ylabel(f"z (mm), displacement x{scale:.0f}")
    ax1.set_title(f"Deformed part (FE, layer by layer): edge deflection "
                  f"{fe.edge_deflection * 1e3:.3f} mm", fontsize=10)
    fig.colorbar(pc, ax=ax1, label="layer (0: substrate)")
    n = np.arange(1, plate.history.size + 1)
    ax2.plot(n, -plate.history, "o-", label="multilayer plate theory")
    ax2.plot(n, -fe.history[1:], "x--", label="FE with element birth")
    ax2.set_xlabel("deposited layers")
    ax2.set_ylabel("-curvature (1/m)")
    ax2.set_title("Warpage grows layer by layer", fontsize=10)
    ax2.legend(fontsize=8)
    return fig


def _distribution_figure(prop: Any, nominal_deflection: float) -> Figure:
    ds = prop.dataset
    y = ds["warpage.edge_deflection"].values * 1e3
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.0), constrained_layout=True)
    ax1.hist(y[np.isfinite(y)], bins=max(5, y.size // 4), color="#1f77b4", alpha=0.7)
    s = prop.stats["warpage.edge_deflection"]
    ax1.axvspan(s["q025"] * 1e3, s["q975"] * 1e3, color="orange", alpha=0.2,
                label="2.5-97.5 % of parts")
    ax1.axvline(s["mean"] * 1e3, color="k", label="mean")
    ax1.axvline(nominal_deflection * 1e3, color="r", ls="--", label="nominal RVE")
    ax1.set_xlabel("edge deflection (mm)")
    ax1.set_ylabel("parts")
    ax1.set_title(f"Aleatory warpage distribution ({y.size} sampled microstructures)",
                  fontsize=10)
    ax1.legend(fontsize=8)
    ax2.plot(ds["warpage.porosity_voxel"].values, y, "o")
    ax2.set_xlabel("porosity of the sampled RVE")
    ax2.set_ylabel("edge deflection (mm)")
    ax2.set_title("Part-to-part variation vs porosity", fontsize=10)
    return fig


def figures(nominal: dict[str, Any], c_eff: np.ndarray, c_v: np.ndarray, c_r: np.ndarray,
            eps_eff: np.ndarray, mean_eig: np.ndarray, fe: Any, plate: Any, prop: Any,
            p: Any) -> dict[str, Figure]:
    """Headline first: the deformed part."""
    out = {"part": _part_figure(fe, plate, p)}
    if prop is not None:
        from scaleweave.bridges.homogenization.plate import edge_deflection

        out["warpage_distribution"] = _distribution_figure(
            prop, edge_deflection(plate.curvature, p["length"]))
    out["rve"] = _rve_figure(nominal, p)
    out["layer_bounds"] = _bounds_figure(c_eff, c_v, c_r, eps_eff, mean_eig, p)
    return out
