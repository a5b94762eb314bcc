"""The closed-form occupancy MLE: the numerical optimum, and unbiased over seeded surveys.

Reference: MacKenzie et al. (2002), Ecology 83, 2248 (200 sites, 4 visits, psi = 0.6,
p = 0.3; asymptotic SE of psi-hat about 0.06, their Table 1).
"""

import math

import numpy as np
import pytest
from scipy import optimize, special

from scaleweave.bridges.inference.occupancy import simulate_detections
from scaleweave.bridges.inference.occupancy_mle import occupancy_mle


def simulate_occupancy(rng, n_sites, n_visits, psi, p, repeats=1):
    """Detections per site out of ``n_visits``, shape (repeats, n_sites)."""
    return simulate_detections(np.full((repeats, n_sites), psi), np.asarray(p), n_visits,
                               rng)[0]


def test_closed_form_mle_matches_numerical_optimum():
    d = simulate_occupancy(np.random.default_rng(5), 200, 4, 0.6, 0.3)[0]
    n_det, s_det, n = np.sum(d > 0), d.sum(), d.size

    def nll(t):
        psi, p = special.expit(t)
        return -(n_det * np.log(psi) + s_det * np.log(p) + (4 * n_det - s_det) * np.log1p(-p)
                 + (n - n_det) * np.log(psi * (1 - p) ** 4 + 1 - psi))

    opt = special.expit(optimize.minimize(nll, [0.0, 0.0], method="Nelder-Mead",
                                          options={"xatol": 1e-10, "fatol": 1e-12}).x)
    est = occupancy_mle(d, 4)
    assert est["psi"] == pytest.approx(opt[0], abs=1e-5)
    assert est["p"] == pytest.approx(opt[1], abs=1e-5)
    # Asymptotic SE of psi-hat for this design is ~0.06 (MacKenzie et al. 2002, Table 1).
    assert 0.03 < est["se_psi"] < 0.1


def test_psi_hat_unbiased_naive_biased_over_seeded_surveys():
    reps = 400
    d = simulate_occupancy(np.random.default_rng(2024), 200, 4, 0.6, 0.3, reps)
    est = occupancy_mle(d, 4)
    se = est["psi"].std(ddof=1) / math.sqrt(reps)
    assert abs(est["psi"].mean() - 0.6) < 3 * se
    se_naive = est["naive"].std(ddof=1) / math.sqrt(reps)
    assert abs(est["naive"].mean() - 0.6 * (1 - 0.7**4)) < 3 * se_naive
    assert est["naive"].mean() < 0.6 - 20 * se_naive  # the naive estimate is badly biased
