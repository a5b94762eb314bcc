"""The eight schools (Rubin 1981): the data and their exact posterior summaries.

Coaching effects ``y_j`` on SAT scores in eight schools with known standard errors
``sigma_j`` (Rubin 1981, J. Educ. Stat. 6:377, Table 2; Gelman et al. 2013, BDA3
sec. 5.5). Under ``y_j ~ N(theta_j, sigma_j)``, ``theta_j ~ N(mu, tau)`` the school
effects integrate out analytically, ``y_j | mu, tau ~ N(mu, sigma_j^2 + tau^2)``,
and so does ``mu`` given ``tau``: the posterior means of ``mu`` and ``tau`` are one
integral over ``tau``, by quadrature to a stated error (BDA3 sec. 5.4); complete
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


def _log_tau_posterior(tau: np.ndarray, y: np.ndarray, sigma: np.ndarray, mu_loc: float,
                       mu_scale: float, tau_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """``log p(tau | y)`` (up to a constant) and ``E[mu | tau, y]``, ``mu`` integrated out.

    Given ``tau``, ``mu`` is normal: its prior ``N(mu_loc, mu_scale)`` acts as one more
    observation of variance ``mu_scale^2``, so ``V = 1 / (mu_scale^-2 + sum w_j)`` and
    ``mu_hat = V (mu_loc mu_scale^-2 + sum w_j y_j)`` with ``w_j = 1 / (sigma_j^2 +
    tau^2)``, and ``p(tau | y) ~ p(tau) V^1/2 prod w_j^1/2 exp(-sum w_j (y_j -
    mu_hat)^2 / 2 - (mu_loc - mu_hat)^2 / (2 mu_scale^2))`` (BDA3 eq. 5.21, with the
    prior of ``mu``).
    """
    w = 1.0 / (sigma[None, :] ** 2 + tau[:, None] ** 2)  # (tau, school)
    w0 = mu_scale**-2.0
    v = 1.0 / (w0 + w.sum(axis=1))
    mu_hat = v * (mu_loc * w0 + (w * y[None, :]).sum(axis=1))
    log_prior_tau = -np.log1p((tau / tau_scale) ** 2)  # half-Cauchy, up to a constant
    logp = (log_prior_tau + 0.5 * np.log(v) + 0.5 * np.log(w).sum(axis=1)
            - 0.5 * (w * (y[None, :] - mu_hat[:, None]) ** 2).sum(axis=1)
            - 0.5 * w0 * (mu_loc - mu_hat) ** 2)
    return logp, mu_hat


def eight_schools_quadrature(y: np.ndarray, sigma: np.ndarray, mu_loc: float, mu_scale: float,
                             tau_scale: float, rtol: float = 1e-10) -> dict[str, float]:
    """Exact posterior means of ``mu`` and ``tau``, with the quadrature's own error.

    ``theta`` is integrated out analytically (``y_j | mu, tau ~ N(mu, sigma_j^2 +
    tau^2)``), and so is ``mu`` given ``tau`` (:func:`_log_tau_posterior`), which
    leaves one integral over ``tau`` for ``E[mu] = E[mu_hat(tau)]`` and ``E[tau]``;
    ``mu ~ N(mu_loc, mu_scale)``, ``tau ~ HalfCauchy(tau_scale)``. The integrals are
    taken in ``log tau`` over the range where the posterior is above ``e^-46`` of its
    peak, found by a scan from ``e^-50`` to ``e^25`` times the largest of ``sigma`` and
    ``tau_scale`` (at least two groups, so that ``E[tau]`` is finite) -- a grid sized
    from the posterior, not from the prior, so a wide prior does not spread the nodes
    thin. The trapezoidal rule in ``log tau`` is refined by doubling until two
    successive estimates agree to ``rtol``; their difference is the reported error.

    Parameters
    ----------
    y, sigma : ndarray
        Group estimates and their standard errors (same unit).
    mu_loc, mu_scale : float
        Mean and sd of the normal prior of ``mu`` (unit of ``y``).
    tau_scale : float
        Scale of the half-Cauchy prior of ``tau`` (unit of ``y``).
    rtol : float
        Relative agreement of two successive refinements that ends them.

    Returns
    -------
    dict
        ``mu`` and ``tau``: posterior means (unit of ``y``); ``mu_error`` and
        ``tau_error``: the quadrature's error estimates (same unit; the change at the
        last doubling plus the mass outside the range); ``nodes``: nodes of the last rule.

    Raises
    ------
    ValueError
        The refinement did not converge (not seen for finite inputs).

    Examples
    --------
    The priors ``mu ~ N(0, 5)``, ``tau ~ HalfCauchy(5)``:

    >>> ex = eight_schools_quadrature(EIGHT_SCHOOLS_Y, EIGHT_SCHOOLS_SIGMA, 0.0, 5.0, 5.0)
    >>> round(ex["mu"], 2), round(ex["tau"], 2), ex["mu_error"] < 1e-8
    (4.4, 3.6, True)
    """
    y = np.asarray(y, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    ref = max(float(np.max(sigma, initial=0.0)), float(tau_scale))
    # The posterior of log tau on a wide scan: its density is tau p(tau | y).
    scan = np.linspace(math.log(ref) - 50.0, math.log(ref) + 25.0, 7501)
    logp, _ = _log_tau_posterior(np.exp(scan), y, sigma, mu_loc, mu_scale, tau_scale)
    # The integrand of E[tau] carries one more factor tau than the density; each
    # relative to its own peak.
    dens, first = logp + scan, logp + 2 * scan
    li = np.maximum(dens - dens.max(), first - first.max())
    keep = np.flatnonzero(li >= -46.0)
    lo, hi = scan[max(keep[0] - 1, 0)], scan[min(keep[-1] + 1, scan.size - 1)]
    # Mass left out, relative: below e^-46 of the peak between the range and the scan's
    # ends, and beyond the scan, where the integrands fall at least as fast as tau
    # (below: p(tau) is finite at 0) and 1/tau (above: at least two groups), so by no
    # more than their end values.
    edge = math.exp(-46.0) * (scan[-1] - scan[0]) + math.exp(li[0]) + math.exp(li[-1])

    def means(n: int) -> np.ndarray:
        x = np.linspace(lo, hi, n)
        tau = np.exp(x)
        lp, mu_hat = _log_tau_posterior(tau, y, sigma, mu_loc, mu_scale, tau_scale)
        wgt = np.exp(lp + x - np.max(lp + x))  # d tau = tau d(log tau)
        wgt[[0, -1]] *= 0.5  # trapezoid (the ends are negligible anyway)
        z = wgt.sum()
        return np.array([(wgt * mu_hat).sum() / z, (wgt * tau).sum() / z])

    n = 129
    prev = means(n)
    while n < 2**20:
        n = 2 * n - 1  # the old nodes stay nodes
        cur = means(n)
        err = np.abs(cur - prev)
        if np.all(err <= rtol * np.maximum(np.abs(cur), 1.0)):
            err = err + edge * np.maximum(np.abs(cur), 1.0)
            return {"mu": float(cur[0]), "tau": float(cur[1]), "mu_error": float(err[0]),
                    "tau_error": float(err[1]), "nodes": n}
        prev = cur
    raise ValueError(f"eight schools quadrature did not converge to rtol={rtol} with {n} "
                     "nodes")
