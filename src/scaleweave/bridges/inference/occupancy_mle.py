"""Closed-form maximum likelihood of the constant single-season occupancy model.

MacKenzie et al. (2002), Ecology 83, 2248: sites occupied with probability ``psi``,
each visited ``K`` times, an occupied site detected on a visit with probability
``p``. The MLE solves ``K p / (1 - (1 - p)^K) = mean detections at detected
sites`` for ``p`` and sets ``psi = naive / (1 - (1 - p)^K)``; its standard error
comes from the observed information. Vectorised over any leading axes (replicate
surveys). The hierarchical (Bayesian) fit with covariates and nesting is
:func:`scaleweave.bridges.inference.occupancy.fit_occupancy`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["occupancy_mle"]


def occupancy_mle(d: np.ndarray, n_visits: int) -> dict[str, np.ndarray]:
    """Maximum-likelihood ``psi`` and ``p`` of the constant single-season model, vectorised.

    Parameters
    ----------
    d : ndarray of int, shape (..., sites)
        Detections per site out of ``n_visits``.
    n_visits : int

    Returns
    -------
    dict
        ``psi``, ``p`` (MLE), ``naive`` (share of sites with a detection), ``se_psi``
        (from the observed information, delta method).
    """
    d = np.asarray(d)
    k = int(n_visits)
    n = d.shape[-1]
    n_det = np.sum(d > 0, axis=-1).astype(float)
    dbar = np.sum(d, axis=-1) / np.maximum(n_det, 1.0)
    # K p / (1 - (1-p)^K) rises from 1 (p -> 0) to K (p = 1): bisection.
    lo, hi = np.full(dbar.shape, 1e-9), np.full(dbar.shape, 1.0 - 1e-12)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        f = k * mid / (1.0 - (1.0 - mid) ** k)
        below = f < dbar
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    p = 0.5 * (lo + hi)
    pstar = 1.0 - (1.0 - p) ** k
    naive = n_det / n
    psi = np.minimum(naive / pstar, 1.0)
    # Observed information of (psi, p): numerical Hessian of the log-likelihood.
    se = _se_psi(psi, p, n_det, np.sum(d, axis=-1).astype(float), n, k)
    return {"psi": psi, "p": p, "naive": naive, "se_psi": se}


def _se_psi(psi: np.ndarray, p: np.ndarray, n_det: np.ndarray, s_det: np.ndarray, n: int,
            k: int) -> np.ndarray:
    def ll(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (n_det * np.log(a) + s_det * np.log(b) + (k * n_det - s_det) * np.log1p(-b)
                + (n - n_det) * np.log(a * (1 - b) ** k + 1 - a))

    h = 1e-4
    a = np.clip(psi, 2 * h, 1 - 2 * h)
    b = np.clip(p, 2 * h, 1 - 2 * h)
    f0 = ll(a, b)
    faa = (ll(a + h, b) - 2 * f0 + ll(a - h, b)) / h**2
    fbb = (ll(a, b + h) - 2 * f0 + ll(a, b - h)) / h**2
    fab = (ll(a + h, b + h) - ll(a + h, b - h) - ll(a - h, b + h) + ll(a - h, b - h)) / (
        4 * h**2)
    det = faa * fbb - fab**2
    with np.errstate(invalid="ignore", divide="ignore"):
        var = -fbb / det
    return np.sqrt(np.where(var > 0, var, np.nan))
