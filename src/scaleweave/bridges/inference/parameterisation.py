"""Centred or non-centred: the reparameterisation of each level, chosen from the data.

A level is sampled *centred* (``theta ~ N(loc, tau)``) when its groups' data dominate
the population scale and *non-centred* (``theta = loc + tau z``, ``z ~ N(0, 1)``) when
they do not, which removes the funnel that makes NUTS diverge (Papaspiliopoulos,
Roberts & Skold 2007, Statist. Sci. 22:59; Betancourt & Girolami 2015). Each group's
raw estimate on the link scale has sampling variance ``v_j`` (normal:
``1/sum sigma_i^-2``; counts: ``1/(sum y + 1/2)``); a moment estimate of the level's
variance ``tau^2`` gives each group's *information fraction*
``kappa_j = tau^2 / (tau^2 + v_j)`` (one minus its shrinkage factor), evaluated at a
plausibly low ``tau`` (the lower 1% chi-square bound of the moment estimate, since with
few groups the sampler visits small ``tau``, where the centred form has its funnel).
A level whose median ``kappa`` exceeds 1/2 is centred, otherwise non-centred.
(Covariates are left out of this estimate.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scaleweave.bridges.inference.design import Design

__all__ = ["choose_parameterisation"]


def _raw_estimates(likelihood: str, y: np.ndarray, idx: np.ndarray, n_groups: int,
                   sigma: np.ndarray | None, exposure: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per-group raw estimate on the link scale and its sampling variance."""
    if likelihood == "normal":
        if sigma is not None:
            w = np.bincount(idx, 1.0 / sigma**2, n_groups)
            est = np.bincount(idx, y / sigma**2, n_groups) / np.where(w > 0, w, 1.0)
            return est, np.where(w > 0, 1.0 / np.where(w > 0, w, 1.0), np.inf)
        n = np.bincount(idx, minlength=n_groups).astype(float)
        mean = np.bincount(idx, y, n_groups) / np.maximum(n, 1.0)
        resid = y - mean[idx]
        dof = len(y) - np.count_nonzero(n)
        s2 = float(resid @ resid / dof) if dof > 0 else float(np.var(y)) or 1.0
        return mean, np.where(n > 0, s2 / np.maximum(n, 1.0), np.inf)
    tot = np.bincount(idx, y, n_groups) + 0.5
    expo = np.bincount(idx, exposure, n_groups)
    return np.log(tot / np.where(expo > 0, expo, 1.0)), np.where(expo > 0, 1.0 / tot, np.inf)


def choose_parameterisation(design: Design, likelihood: str, y: np.ndarray,
                            idx: np.ndarray, sigma: np.ndarray | None = None,
                            exposure: np.ndarray | None = None) -> dict[str, dict[str, Any]]:
    """Centred or non-centred per level, from the information each group's data carry.

    Parameters
    ----------
    design : Design
    likelihood : {"normal", "poisson", "negbinomial"}
    y : ndarray
        Observations (link-scale estimates are formed per group).
    idx : ndarray of int
        Innermost group index of each row.
    sigma, exposure : ndarray, optional
        Known standard deviations (normal) or exposures (counts).

    Returns
    -------
    dict of level -> dict
        ``choice`` ("centred"/"non-centred"), ``tau_hat`` (moment estimate of the
        level's standard deviation, link scale), ``tau_low`` (its lower 1% bound,
        ``tau_hat^2 chi2_0.01(dof)/dof``), ``groups_dof``, ``kappa_median`` (median
        information fraction ``tau_low^2/(tau_low^2 + v_j)``), ``kappa`` (per group).
    """
    from scipy import stats

    exposure = np.ones_like(y, dtype=float) if exposure is None else exposure
    levels = list(design.levels)
    est, var = _raw_estimates(likelihood, y, idx, len(design.groups[design.inner]), sigma,
                              exposure)
    out: dict[str, dict[str, Any]] = {}
    for k in range(len(levels) - 1, -1, -1):
        level = levels[k]
        parent = design.parent_index(level) if k else np.zeros(len(est), dtype=int)
        n_par = int(parent.max()) + 1
        ok = np.isfinite(var)
        # Moment estimate of tau^2: spread of raw estimates around their parent's mean
        # beyond what sampling noise explains (floored at zero).
        spread, noise, dof = 0.0, 0.0, 0
        for p in range(n_par):
            sel = ok & (parent == p)
            if sel.sum() >= 2:
                spread += float(np.var(est[sel], ddof=1)) * (sel.sum() - 1)
                noise += float(np.mean(var[sel])) * (sel.sum() - 1)
                dof += int(sel.sum()) - 1
        tau2 = max(0.0, (spread - noise) / dof) if dof else 0.0
        # With few groups tau is poorly known and the sampler visits small values of it,
        # where the centred form has its funnel: judge at a plausible low tau, the lower
        # 1% bound of the moment estimate (chi-square with the level's degrees of freedom).
        tau2_low = tau2 * float(stats.chi2.ppf(0.01, dof)) / dof if dof else 0.0
        kappa = np.where(ok, tau2_low / (tau2_low + np.where(ok, var, 1.0)), 0.0)
        med = float(np.median(kappa))
        out[level] = {"choice": "centred" if med > 0.5 else "non-centred",
                      "tau_hat": math.sqrt(tau2), "tau_low": math.sqrt(tau2_low),
                      "groups_dof": dof, "kappa_median": med, "kappa": kappa}
        # The parents' raw estimates: precision-weighted means of their children.
        w = np.where(ok, 1.0 / (np.where(ok, var, 1.0) + tau2), 0.0)
        wsum = np.bincount(parent, w, n_par)
        est = np.bincount(parent, w * np.where(ok, est, 0.0), n_par) / np.where(wsum > 0, wsum,
                                                                              1.0)
        var = np.where(wsum > 0, 1.0 / np.where(wsum > 0, wsum, 1.0), np.inf)
    return {lv: out[lv] for lv in levels}
