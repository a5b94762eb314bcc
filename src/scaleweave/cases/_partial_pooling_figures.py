"""Figures of the ``partial-pooling`` case: shrinkage, funnel, pushed-forward bands, pooling."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["figures"]

_COLORS = {"none": "#d62728", "complete": "#7f7f7f", "partial": "#1f77b4"}


def _shrinkage(auto: Any, exact: dict, pooled: tuple[float, float], gene: dict) -> Figure:
    from scaleweave.cases.partial_pooling import EIGHT_SCHOOLS_SIGMA, EIGHT_SCHOOLS_Y, SCHOOLS

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    x = np.arange(len(SCHOOLS))
    g = auto.group_summary("school")
    ax1.errorbar(x - 0.12, EIGHT_SCHOOLS_Y, yerr=1.96 * EIGHT_SCHOOLS_SIGMA, fmt="o",
                 color=_COLORS["none"], capsize=3, label="no pooling: y_j +- 1.96 sigma_j")
    ax1.errorbar(x + 0.12, g["mean"], yerr=[g["mean"] - g["lo"], g["hi"] - g["mean"]],
                 fmt="s", color=_COLORS["partial"], capsize=3,
                 label="partial pooling: posterior mean, 95% interval")
    m, sd = pooled
    ax1.axhspan(m - 1.96 * sd, m + 1.96 * sd, color=_COLORS["complete"], alpha=0.15)
    ax1.axhline(m, color=_COLORS["complete"], lw=1.5,
                label=f"complete pooling {m:.2f} +- {sd:.2f}")
    ax1.axhline(auto.mean("mu"), color=_COLORS["partial"], ls="--", lw=1,
                label=f"E[mu] = {auto.mean('mu'):.2f} (exact {exact['mu']:.2f})")
    for j in range(len(x)):
        ax1.annotate("", (x[j] + 0.12, g["mean"][j]), (x[j] - 0.12, EIGHT_SCHOOLS_Y[j]),
                     arrowprops={"arrowstyle": "->", "color": "0.6", "lw": 0.8})
    ax1.set_xticks(x, SCHOOLS)
    ax1.set_xlabel("school")
    ax1.set_ylabel("coaching effect (SAT points)")
    choice = auto.parameterisation["school"]["choice"]
    ax1.set_title(f"Eight schools: shrinkage toward mu ({choice}, "
                  f"{int(auto.diagnostics['divergences'])} divergences)", fontsize=10)
    ax1.legend(fontsize=7, loc="upper right")

    data = gene["data"]
    none = gene["fits"]["none"].group_summary()
    part = gene["fits"]["partial"].group_summary()
    cells = data["cells"]
    truth = np.log(data["k_true"])
    ax2.scatter(cells, none["mean"] - truth, color=_COLORS["none"], label="no pooling")
    ax2.scatter(cells, part["mean"] - truth, color=_COLORS["partial"], marker="s",
                label="partial pooling")
    for c, a, b in zip(cells, none["mean"] - truth, part["mean"] - truth, strict=True):
        ax2.plot([c, c], [a, b], color="0.7", lw=0.8)
    ax2.axhline(0.0, color="k", lw=0.8)
    ax2.set_xscale("log")
    ax2.set_xlabel("cells in the tissue's calibration data")
    ax2.set_ylabel("error of posterior mean log k_tx (log(1/s))")
    ax2.set_title("Gene activity: tissues with few cells borrow strength", fontsize=10)
    ax2.legend(fontsize=8)
    return fig


def _funnel(auto: Any, centred: Any) -> Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True, sharey=True)
    for ax, fit in zip(axes, (auto, centred), strict=True):
        theta = fit.samples["theta_school"][..., 0].ravel()
        logtau = np.log(fit.samples["tau_school"].ravel())
        div = fit.idata.sample_stats["diverging"].values.ravel().astype(bool)
        ax.scatter(theta[~div], logtau[~div], s=2, alpha=0.25, color="0.4")
        ax.scatter(theta[div], logtau[div], s=10, color="#d62728",
                   label=f"{int(div.sum())} divergent transitions")
        choice = fit.parameterisation["school"]["choice"]
        ax.set_title(f"{choice}: R-hat {fit.diagnostics['max_rhat']:.3f}, "
                     f"min bulk ESS {fit.diagnostics['min_ess_bulk']:.0f}", fontsize=10)
        ax.set_xlabel("theta_A (SAT points)")
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel("log tau (log SAT points)")
    fig.suptitle("Eight schools: the funnel, sampled non-centred and centred", fontsize=11)
    return fig


def _pushed(gene: dict) -> Figure:
    fig, ax = plt.subplots(figsize=(9, 4.4), constrained_layout=True)
    data = gene["data"]
    order = np.argsort(data["cells"])
    x = np.arange(order.size)
    for off, pooling in ((-0.22, "none"), (0.0, "partial"), (0.22, "complete")):
        draws = gene["pushed"][pooling][:, order]
        med = np.median(draws, axis=0)
        lo, hi = np.quantile(draws, [0.025, 0.975], axis=0)
        ax.errorbar(x + off, med, yerr=[med - lo, hi - med], fmt="o", ms=4, capsize=2,
                    color=_COLORS[pooling],
                    label=f"{'no' if pooling == 'none' else pooling} pooling: median, 95% band")
    ax.scatter(x, gene["p_true"][order], marker="*", s=90, color="k", zorder=5,
               label="true P* (simulation)")
    ax.set_yscale("log")
    ax.set_xticks(x, [f"{data['tissues'][i]}\n{data['cells'][i]}" for i in order],
                  fontsize=7)
    ax.set_xlabel("tissue / cells in calibration data")
    ax.set_ylabel("protein steady state P* (molecules per cell)")
    ax.set_title("Calibration uncertainty pushed forward: P* = k_tl (k_tx / delta_m) / "
                 "delta_p", fontsize=10)
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    return fig


def _pooling(gene: dict) -> Figure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8), constrained_layout=True)
    names = ["none", "complete", "partial"]
    labels = ["no pooling", "complete", "partial"]
    colors = [_COLORS[n] for n in names]
    lpd = [gene["lpd"][n] for n in names]
    ax1.scatter(labels, lpd, color=colors, s=80, zorder=3)
    for i, v in enumerate(lpd):
        ax1.annotate(f"{v:.3f}", (i, v), xytext=(8, 0), textcoords="offset points",
                     va="center", fontsize=9)
    ax1.set_xlim(-0.5, 2.8)
    ax1.grid(axis="y", alpha=0.3)
    ax1.set_ylabel("held-out log predictive density (nats per cell)")
    ax1.set_title(f"higher is better ({gene['n_test']} held-out cells)", fontsize=10)
    rmse = [gene["rmse"][n] for n in names]
    ax2.bar(labels, rmse, color=colors)
    for i, v in enumerate(rmse):
        ax2.annotate(f"{v:.3f}", (i, v), xytext=(0, 3), textcoords="offset points",
                     ha="center", fontsize=9)
    ax2.set_ylabel("RMSE of log k_tx vs truth (log(1/s))")
    ax2.set_title("lower is better", fontsize=10)
    fig.suptitle("No, complete and partial pooling on held-out cells", fontsize=11)
    return fig


def figures(auto: Any, centred: Any, exact: dict, pooled: tuple[float, float],
            gene: dict) -> dict[str, Figure]:
    """Shrinkage (headline), funnel, pushed-forward prediction, pooling comparison."""
    return {"shrinkage": _shrinkage(auto, exact, pooled, gene),
            "pushed_forward": _pushed(gene),
            "pooling": _pooling(gene),
            "funnel": _funnel(auto, centred)}
