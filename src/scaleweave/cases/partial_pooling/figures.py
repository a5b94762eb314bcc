"""Figures of the ``partial-pooling`` case, from its ``result.nc``: shrinkage (headline),
pushed-forward bands, the pooling comparison and the funnel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["figures"]

_COLORS = {"none": "#d62728", "complete": "#7f7f7f", "partial": "#1f77b4"}


def _flat(da: xr.DataArray) -> np.ndarray:
    """Posterior draws with chains flattened: shape (chains * draws, ...)."""
    a = np.asarray(da.values)
    return a.reshape(-1, *a.shape[2:])


def _shrinkage(ds: xr.Dataset) -> Figure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    schools = [str(s) for s in ds["schools_school"].values]
    y, sigma = ds["schools_y"].values, ds["schools_sigma"].values
    x = np.arange(len(schools))
    theta = _flat(ds["schools_theta_school"])
    mean = theta.mean(axis=0)
    lo, hi = np.quantile(theta, 0.025, axis=0), np.quantile(theta, 0.975, axis=0)
    ax1.errorbar(x - 0.12, y, yerr=1.96 * sigma, fmt="o", color=_COLORS["none"], capsize=3,
                 label="no pooling: y_j +- 1.96 sigma_j")
    ax1.errorbar(x + 0.12, mean, yerr=[mean - lo, hi - mean], fmt="s",
                 color=_COLORS["partial"], capsize=3,
                 label="partial pooling: posterior mean, 95% interval")
    m, sd = ds.attrs["schools_complete_pooling"], ds.attrs["schools_complete_pooling_sd"]
    ax1.axhspan(m - 1.96 * sd, m + 1.96 * sd, color=_COLORS["complete"], alpha=0.15)
    ax1.axhline(m, color=_COLORS["complete"], lw=1.5,
                label=f"complete pooling {m:.2f} +- {sd:.2f}")
    e_mu = float(ds["schools_mu"].mean())
    ax1.axhline(e_mu, color=_COLORS["partial"], ls="--", lw=1,
                label=f"E[mu] = {e_mu:.2f} (exact {ds.attrs['schools_mu_exact']:.2f})")
    for j in range(len(x)):  # eight arrows
        ax1.annotate("", (x[j] + 0.12, mean[j]), (x[j] - 0.12, y[j]),
                     arrowprops={"arrowstyle": "->", "color": "0.6", "lw": 0.8})
    ax1.set_xticks(x, schools)
    ax1.set_xlabel("school")
    ax1.set_ylabel("coaching effect (SAT points)")
    ax1.set_title(f"Eight schools: shrinkage toward mu ({ds.attrs['schools_choice']}, "
                  f"{int(ds['schools_diverging'].sum())} divergences)", fontsize=10)
    ax1.legend(fontsize=7, loc="upper right")

    cells = ds["gene_cells"].values
    truth = np.log(ds["gene_k_true"].values)
    err = {k: ds["gene_log_k_mean"].sel(gene_pooling=k).values - truth
           for k in ("none", "partial")}
    ax2.scatter(cells, err["none"], color=_COLORS["none"], label="no pooling")
    ax2.scatter(cells, err["partial"], color=_COLORS["partial"], marker="s",
                label="partial pooling")
    ax2.vlines(cells, np.minimum(err["none"], err["partial"]),
               np.maximum(err["none"], err["partial"]), color="0.7", lw=0.8)
    ax2.axhline(0.0, color="k", lw=0.8)
    ax2.set_xscale("log")
    ax2.set_xlabel("cells in the tissue's calibration data")
    ax2.set_ylabel("error of posterior mean log k_tx (log(1/s))")
    ax2.set_title("Gene activity: tissues with few cells borrow strength", fontsize=10)
    ax2.legend(fontsize=8)
    return fig


def _funnel(ds: xr.Dataset) -> Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True, sharey=True)
    for ax, prefix in zip(axes, ("schools", "schools_centred"), strict=True):
        theta = ds[f"{prefix}_theta_school"].values[..., 0].ravel()
        logtau = np.log(ds[f"{prefix}_tau_school"].values.ravel())
        div = ds[f"{prefix}_diverging"].values.ravel().astype(bool)
        ax.scatter(theta[~div], logtau[~div], s=2, alpha=0.25, color="0.4")
        ax.scatter(theta[div], logtau[div], s=10, color="#d62728",
                   label=f"{int(div.sum())} divergent transitions")
        ax.set_title(f"{ds.attrs[f'{prefix}_choice']}: R-hat "
                     f"{ds.attrs[f'{prefix}_max_rhat']:.3f}, min bulk ESS "
                     f"{ds.attrs[f'{prefix}_min_ess_bulk']:.0f}", fontsize=10)
        ax.set_xlabel("theta_A (SAT points)")
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel("log tau (log SAT points)")
    fig.suptitle("Eight schools: the funnel, sampled non-centred and centred", fontsize=11)
    return fig


def _pushed(ds: xr.Dataset) -> Figure:
    fig, ax = plt.subplots(figsize=(9, 4.4), constrained_layout=True)
    cells = ds["gene_cells"].values
    tissues = [str(t) for t in ds["gene_tissue"].values]
    order = np.argsort(cells)
    x = np.arange(order.size)
    names = {"none": "gene_protein_none", "partial": "gene_protein",
             "complete": "gene_protein_complete"}
    for off, pooling in ((-0.22, "none"), (0.0, "partial"), (0.22, "complete")):
        draws = ds[names[pooling]].values[:, order]
        med = np.median(draws, axis=0)
        lo, hi = np.quantile(draws, [0.025, 0.975], axis=0)
        ax.errorbar(x + off, med, yerr=[med - lo, hi - med], fmt="o", ms=4, capsize=2,
                    color=_COLORS[pooling],
                    label=f"{'no' if pooling == 'none' else pooling} pooling: median, 95% band")
    ax.scatter(x, ds["gene_protein_true"].values[order], marker="*", s=90, color="k",
               zorder=5, label="true P* (simulation)")
    ax.set_yscale("log")
    ax.set_xticks(x, [f"{tissues[i]}\n{cells[i]}" for i in order], fontsize=7)
    ax.set_xlabel("tissue / cells in calibration data")
    ax.set_ylabel("protein steady state P* (molecules per cell)")
    ax.set_title("Calibration uncertainty pushed forward: P* = k_tl (k_tx / delta_m) / "
                 "delta_p", fontsize=10)
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    return fig


def _pooling(ds: xr.Dataset) -> Figure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8), constrained_layout=True)
    names = ["none", "complete", "partial"]
    labels = ["no pooling", "complete", "partial"]
    colors = [_COLORS[n] for n in names]
    lpd = [float(ds["gene_lpd"].sel(gene_pooling=n)) for n in names]
    ax1.scatter(labels, lpd, color=colors, s=80, zorder=3)
    for i, v in enumerate(lpd):
        ax1.annotate(f"{v:.3f}", (i, v), xytext=(8, 0), textcoords="offset points",
                     va="center", fontsize=9)
    ax1.set_xlim(-0.5, 2.8)
    ax1.grid(axis="y", alpha=0.3)
    ax1.set_ylabel("held-out log predictive density (nats per cell)")
    ax1.set_title(f"higher is better ({int(ds.attrs['gene_n_test'])} held-out cells)",
                  fontsize=10)
    rmse = [float(ds["gene_rmse"].sel(gene_pooling=n)) for n in names]
    ax2.bar(labels, rmse, color=colors)
    for i, v in enumerate(rmse):
        ax2.annotate(f"{v:.3f}", (i, v), xytext=(0, 3), textcoords="offset points",
                     ha="center", fontsize=9)
    ax2.set_ylabel("RMSE of log k_tx vs truth (log(1/s))")
    ax2.set_title("lower is better", fontsize=10)
    fig.suptitle("No, complete and partial pooling on held-out cells", fontsize=11)
    return fig


def figures(ds: xr.Dataset) -> dict[str, Figure]:
    """Shrinkage (headline), pushed-forward prediction, pooling comparison, funnel."""
    return {"shrinkage": _shrinkage(ds), "pushed_forward": _pushed(ds),
            "pooling": _pooling(ds), "funnel": _funnel(ds)}
