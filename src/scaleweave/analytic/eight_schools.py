"""The eight schools (Rubin 1981): the data and their exact posterior summaries.

Coaching effects ``y_j`` on SAT scores in eight schools with known standard errors
``sigma_j`` (Rubin 1981, J. Educ. Stat. 6:377, Table 2; Gelman et al. 2013, BDA3
sec. 5.5). Under ``y_j ~ N(theta_j, sigma_j)``, ``theta_j ~ N(mu, tau)`` the school
effects integrate out analytically, ``y_j | mu, tau ~ N(mu, sigma_j^2 + tau^2)``, so
the posterior means of ``mu`` and ``tau`` are exact by 2-D quadrature; complete
pooling is the precision-weighted mean, ``7.69 +- 4.07`` (BDA3 sec. 5.5).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["EIGHT_SCHOOLS_SIGMA", "EIGHT_SCHOOLS_Y", "SCHOOLS", "complete_pooling",
           "eight_schools_quadrature"]

#: Rubin (1981), Table 2: estimated coaching effects (SAT points).
EIGHT_SCHOOLS_Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
#: Rubin (1981), Table 2: their standard errors (SAT points).
EIGHT_SCHOOLS_SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
#: The schools' labels, A to H.
SCHOOLS = tuple("ABCDEFGH")


def complete_pooling(y: np.ndarray, sigma: np.ndarray) -> tuple[float, float]:
    """Precision-weighted mean and its standard deviation (flat prior on the common mean).

    Parameters
    ----------
    y, sigma : ndarray
        Group estimates and their standard errors (same unit).

    Returns
    -------
    mean, sd : float
        ``sum(w y) / sum(w)`` and ``sum(w)^-1/2`` with ``w = sigma^-2`` (unit of ``y``).

    Examples
    --------
    >>> m, sd = complete_pooling(EIGHT_SCHOOLS_Y, EIGHT_SCHOOLS_SIGMA)
    >>> round(m, 2), round(sd, 2)
    (7.69, 4.07)
    """
    w = 1.0 / np.asarray(sigma, dtype=float) ** 2
    return float(np.sum(w * y) / np.sum(w)), float(np.sum(w) ** -0.5)


def eight_schools_quadrature(y: np.ndarray, sigma: np.ndarray, mu_loc: float, mu_scale: float,
                             tau_scale: float, n: int = 801) -> dict[str, float]:
    """Exact posterior means of ``mu`` and ``tau`` by 2-D quadrature.

    ``theta`` is integrated out analytically (``y_j | mu, tau ~ N(mu, sigma_j^2 +
    tau^2)``); ``mu ~ N(mu_loc, mu_scale)``, ``tau ~ HalfCauchy(tau_scale)``. The
    half-line of ``tau`` is mapped to ``(0, pi/2)`` by ``tau = tau_scale tan(u)``,
    where the half-Cauchy density becomes uniform; midpoint rule in ``u`` and ``mu``.

    Parameters
    ----------
    y, sigma : ndarray
        Group estimates and their standard errors (same unit).
    mu_loc, mu_scale : float
        Mean and sd of the normal prior of ``mu`` (unit of ``y``).
    tau_scale : float
        Scale of the half-Cauchy prior of ``tau`` (unit of ``y``).
    n : int
        Nodes in ``u``; ``2 n + 1`` in ``mu``.

    Returns
    -------
    dict
        ``mu`` and ``tau``: posterior means (unit of ``y``).

    Examples
    --------
    The priors ``mu ~ N(0, 5)``, ``tau ~ HalfCauchy(5)``:

    >>> ex = eight_schools_quadrature(EIGHT_SCHOOLS_Y, EIGHT_SCHOOLS_SIGMA, 0.0, 5.0, 5.0)
    >>> round(ex["mu"], 2), round(ex["tau"], 2)
    (4.4, 3.6)
    """
    from scipy import stats

    u = (np.arange(n) + 0.5) * (math.pi / 2) / n
    tau = tau_scale * np.tan(u)  # d tau / d u cancels the half-Cauchy density
    span = 8.0 * max(mu_scale, float(np.max(sigma)))
    mu = np.linspace(mu_loc - span, mu_loc + span, 2 * n + 1)
    sd = np.sqrt(sigma[None, :] ** 2 + tau[:, None] ** 2)  # (tau, school)
    # log-likelihood for every (mu, tau): sum_j log N(y_j | mu, sd_j)
    ll = stats.norm.logpdf(y[None, None, :], mu[:, None, None], sd[None, :, :]).sum(-1)
    lp = ll + stats.norm.logpdf(mu, mu_loc, mu_scale)[:, None]
    wgt = np.exp(lp - lp.max())
    z = wgt.sum()
    return {"mu": float((wgt * mu[:, None]).sum() / z),
            "tau": float((wgt * tau[None, :]).sum() / z)}
